namespace AlexNet.Training.Data;

/// <summary>
/// Adds images to one image-cache store while holding its lock (<see cref="ImageCache"/>): drops the
/// entries of files that changed or went, decodes the lacking files in parallel, chunk by chunk, into
/// new shards, and after each finished shard renames it into place and replaces the index, so an
/// interruption loses at most the shard being written. Then deletes shards nothing lists any more,
/// and compacts the live records into new shards once garbage exceeds <see cref="ImageCache.MaxGarbageShare"/>.
/// </summary>
internal sealed class CacheBuilder(string store, CacheIndex index, ImageDecoder decoder, long shardBytes)
{
    /// <summary>Decodes <paramref name="lacking"/> into the store and lists them in the index.</summary>
    public void Add(List<(DataItem Item, FileStamp Stamp)> lacking, ICacheProgress? progress, CancellationToken cancellationToken)
    {
        ImageCache.RemoveLeftovers(store);
        DropStale(lacking.Select(l => l.Item.Source).ToHashSet(StringComparer.Ordinal));
        int nextShard = NextShardNumber();
        ShardWriter? writer = null;
        var pending = new List<(string Source, CacheIndex.Entry Entry)>();
        void Commit()
        {
            writer!.Complete();
            pending.ForEach(p => index.Entries[p.Source] = p.Entry);
            pending.Clear();
            index.Write(store);
            writer = null;
        }
        try
        {
            var options = new ParallelOptions { CancellationToken = cancellationToken };
            for (int chunk = 0; chunk < lacking.Count; chunk += ImageCache.ChunkSize)
            {
                int count = Math.Min(ImageCache.ChunkSize, lacking.Count - chunk);
                var images = new StoredImage?[count];
                var errors = new string?[count];
                Parallel.For(0, count, options, i =>
                {
                    try
                    {
                        images[i] = decoder.Load(lacking[chunk + i].Item.Source, index.Form);
                    }
                    catch (ImageRejectedException e)
                    {
                        errors[i] = e.Reason;
                    }
                    progress?.Decoded();
                });
                for (int i = 0; i < count; i++)
                {
                    var (item, stamp) = lacking[chunk + i];
                    if (errors[i] is { } reason)
                    {
                        index.Entries[item.Source] = new CacheIndex.Entry(stamp, -1, 0, 0, 0, reason);
                        continue;
                    }
                    var image = images[i]!.Value;
                    if (writer is not null && writer.Bytes > 0 && writer.Bytes + image.Pixels.Length > shardBytes)
                    {
                        Commit();
                    }
                    writer ??= new ShardWriter(store, nextShard++);
                    long offset = writer.Append(image.Pixels);
                    pending.Add((item.Source, new CacheIndex.Entry(stamp, writer.Number, offset, image.Height, image.Width, null)));
                }
            }
            if (writer is not null)
            {
                Commit();
            }
            else
            {
                index.Write(store); // only rejections and dropped entries changed
            }
        }
        catch
        {
            writer?.Abandon();
            throw;
        }
        CollectGarbage();
    }

    /// <summary>Removes the entries of files that are gone or changed since they were decoded (those about to be decoded again are replaced anyway).</summary>
    private void DropStale(HashSet<string> replaced)
    {
        foreach (var (source, entry) in index.Entries.ToList())
        {
            if (!replaced.Contains(source) && FileStamp.Of(source) != entry.Stamp)
            {
                index.Entries.Remove(source);
            }
        }
    }

    private int NextShardNumber()
    {
        int largest = index.Entries.Values.Where(e => e.Reason is null).Select(e => e.Shard).DefaultIfEmpty(-1).Max();
        foreach (string file in Directory.EnumerateFiles(store, "shard-*"))
        {
            if (CacheIndex.ShardNumber(Path.GetFileName(file)) is int number)
            {
                largest = Math.Max(largest, number);
            }
        }
        return largest + 1;
    }

    /// <summary>Deletes shards the index no longer lists, then compacts when the rest hold too much garbage.</summary>
    private void CollectGarbage()
    {
        var used = new Dictionary<int, long>();
        foreach (var entry in index.Entries.Values.Where(e => e.Reason is null))
        {
            used[entry.Shard] = used.GetValueOrDefault(entry.Shard) + entry.Bytes;
        }
        long total = 0, garbage = 0;
        var withGarbage = new List<int>();
        foreach (string file in Directory.EnumerateFiles(store, "shard-*.bin"))
        {
            if (CacheIndex.ShardNumber(Path.GetFileName(file)) is not int number)
            {
                continue;
            }
            if (!used.TryGetValue(number, out long live))
            {
                ImageCache.TryDelete(file);
                continue;
            }
            long length = new FileInfo(file).Length;
            total += length;
            garbage += length - live;
            if (length > live)
            {
                withGarbage.Add(number);
            }
        }
        if (garbage > ImageCache.MaxGarbageShare * total)
        {
            Compact(withGarbage);
        }
    }

    /// <summary>Copies the live records of <paramref name="shards"/> into new shards, lists them there, then deletes the old files.</summary>
    private void Compact(List<int> shards)
    {
        var moving = index.Entries.Where(p => p.Value.Reason is null && shards.Contains(p.Value.Shard)).OrderBy(p => p.Value.Shard).ThenBy(p => p.Value.Offset).ToList();
        var sources = shards.ToDictionary(n => n, n => new ImageShard(Path.Combine(store, CacheIndex.ShardName(n)), 0, 0));
        int nextShard = NextShardNumber();
        ShardWriter? writer = null;
        var moved = new List<(string Source, CacheIndex.Entry Entry)>();
        try
        {
            foreach (var (source, entry) in moving)
            {
                if (writer is not null && writer.Bytes > 0 && writer.Bytes + entry.Bytes > shardBytes)
                {
                    writer.Complete();
                    writer = null;
                }
                writer ??= new ShardWriter(store, nextShard++);
                long offset = writer.Append(sources[entry.Shard].Bytes(entry.Offset, (int)entry.Bytes));
                moved.Add((source, entry with { Shard = writer.Number, Offset = offset }));
            }
            writer?.Complete();
            writer = null;
        }
        catch
        {
            writer?.Abandon();
            throw;
        }
        finally
        {
            foreach (var shard in sources.Values)
            {
                shard.Dispose();
            }
        }
        moved.ForEach(m => index.Entries[m.Source] = m.Entry);
        index.Write(store);
        // A reader that mapped an old shard keeps its pages (Linux, macOS); where the system refuses, the next build deletes it.
        shards.ForEach(n => ImageCache.TryDelete(Path.Combine(store, CacheIndex.ShardName(n))));
    }

    /// <summary>One new shard being written under its temporary name.</summary>
    private sealed class ShardWriter
    {
        private readonly string _path;
        private readonly string _partial;
        private readonly FileStream _stream;

        public ShardWriter(string store, int number)
        {
            Number = number;
            _path = Path.Combine(store, CacheIndex.ShardName(number));
            _partial = ImageCache.Partial(_path);
            _stream = new FileStream(_partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        }

        public int Number { get; }

        /// <summary>Bytes written so far.</summary>
        public long Bytes { get; private set; }

        /// <summary>Appends <paramref name="pixels"/> and returns where they start.</summary>
        public long Append(ReadOnlySpan<byte> pixels)
        {
            long offset = Bytes;
            _stream.Write(pixels);
            Bytes += pixels.Length;
            return offset;
        }

        /// <summary>Flushes the file to disk and renames it to its shard name.</summary>
        public void Complete()
        {
            _stream.Flush(flushToDisk: true);
            _stream.Dispose();
            File.Move(_partial, _path);
        }

        public void Abandon()
        {
            _stream.Dispose();
            ImageCache.TryDelete(_partial);
        }
    }
}
