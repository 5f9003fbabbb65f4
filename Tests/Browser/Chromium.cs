using Microsoft.Playwright;

namespace AlexNet.Tests.Browser;

/// <summary>
/// Headless Chromium for the page tests: Debian's <c>chromium</c> driven by Playwright (whose own browser
/// download cannot work here), with a fresh profile and the background services off, so that the only
/// requests are the page's own. A page opened here records its console errors, uncaught exceptions and
/// every request that leaves the page's origin.
/// <para>
/// Where no Chromium is installed the tests skip; under <c>ALEXNET_CI=1</c> (<c>.ci/run</c> installs it)
/// they fail. <c>ALEXNET_CHROMIUM</c> names another executable.
/// </para>
/// </summary>
internal sealed class Chromium : IAsyncDisposable
{
    private static readonly string[] Flags =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
    ];

    private readonly IPlaywright _playwright;
    private readonly IBrowserContext _context;
    private readonly string _profile;

    private Chromium(IPlaywright playwright, IBrowserContext context, string profile)
    {
        _playwright = playwright;
        _context = context;
        _profile = profile;
    }

    /// <summary>The browser's executable: <c>ALEXNET_CHROMIUM</c>, else Debian's.</summary>
    public static string Executable => Environment.GetEnvironmentVariable("ALEXNET_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>Where the tests save their screenshots: a <c>screenshots</c> folder next to the test assembly.</summary>
    public static string ScreenshotFolder => Path.Combine(AppContext.BaseDirectory, "screenshots");

    /// <summary>Starts Chromium, or skips (fails under <c>ALEXNET_CI=1</c>) where it is not installed.</summary>
    public static async Task<Chromium> StartAsync()
    {
        if (!File.Exists(Executable))
        {
            string reason = $"no Chromium at {Executable} (apt-get install chromium, or set ALEXNET_CHROMIUM)";
            if (Environment.GetEnvironmentVariable("ALEXNET_CI") == "1")
            {
                Assert.Fail($"ALEXNET_CI=1 promises Chromium for the browser tests, but there is {reason}.");
            }
            Assert.Skip($"The browser tests need Chromium: {reason}.");
        }
        var playwright = await Playwright.CreateAsync();
        string profile = Directory.CreateTempSubdirectory("alexnet-chromium-").FullName;
        try
        {
            var context = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = Executable,
                Headless = true,
                Args = Flags,
                ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
                Timeout = 60_000,
            });
            return new Chromium(playwright, context, profile);
        }
        catch
        {
            playwright.Dispose();
            Directory.Delete(profile, recursive: true);
            throw;
        }
    }

    /// <summary>Opens <paramref name="address"/> and waits until the page's script has set <c>body[data-rendered]</c>.</summary>
    public async Task<Page> OpenAsync(Uri address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var page = await _context.NewPageAsync();
        var opened = new Page(page, address);
        await page.GotoAsync(address.AbsoluteUri);
        await page.WaitForSelectorAsync("body[data-rendered]", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached, Timeout = 30_000 });
        return opened;
    }

    public async ValueTask DisposeAsync()
    {
        await _context.CloseAsync();
        _playwright.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium may still be releasing its profile; the temp folder is the system's to clean.
        }
    }

    /// <summary>An open page with what it logged and requested.</summary>
    internal sealed class Page
    {
        private readonly Uri _address;

        public Page(IPage page, Uri address)
        {
            Playwright = page;
            _address = address;
            page.Console += (_, message) =>
            {
                if (message.Type is "error" or "warning")
                {
                    Problems.Add($"console {message.Type}: {message.Text}");
                }
            };
            page.PageError += (_, error) => Problems.Add($"uncaught: {error}");
            page.Request += (_, request) =>
            {
                if (!SameOrigin(new Uri(request.Url)))
                {
                    ForeignRequests.Add(request.Url);
                }
            };
        }

        public IPage Playwright { get; }

        /// <summary>Console errors and warnings, and uncaught exceptions.</summary>
        public List<string> Problems { get; } = [];

        /// <summary>Requests to anywhere but the page itself (its file, or its server) and inline data.</summary>
        public List<string> ForeignRequests { get; } = [];

        private bool SameOrigin(Uri url) => url.Scheme == "data"
            || (_address.IsFile ? url.IsFile && url.AbsolutePath == _address.AbsolutePath
                : url.Scheme == _address.Scheme && url.Authority == _address.Authority);

        /// <summary>Fails naming what the page logged or requested, if anything.</summary>
        public void AssertQuiet()
        {
            Assert.True(Problems.Count == 0, "The page logged: " + string.Join(" | ", Problems));
            Assert.True(ForeignRequests.Count == 0, "The page requested: " + string.Join(", ", ForeignRequests));
        }

        /// <summary>
        /// Whether the canvas <paramref name="selector"/> has been drawn on: some pixel differs from its first
        /// pixel (a blank canvas is one colour).
        /// </summary>
        public Task<bool> CanvasHasContentAsync(string selector) => Playwright.EvalOnSelectorAsync<bool>(selector, """
            canvas => {
              if (canvas.width === 0 || canvas.height === 0) return false;
              const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
              for (let i = 4; i < pixels.length; i += 4)
                for (let c = 0; c < 4; c++) if (pixels[i + c] !== pixels[c]) return true;
              return false;
            }
            """);

        /// <summary>Saves the whole page as <paramref name="name"/>.png under <see cref="ScreenshotFolder"/>.</summary>
        public async Task<string> ScreenshotAsync(string name)
        {
            Directory.CreateDirectory(ScreenshotFolder);
            string file = System.IO.Path.Combine(ScreenshotFolder, name + ".png");
            await Playwright.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true });
            Assert.True(new FileInfo(file).Length > 1000, $"The screenshot {file} is empty.");
            return file;
        }
    }
}
