using System.Globalization;

namespace AlexNet.Tests.Docs;

/// <summary>
/// The hand arithmetic written in a page's prose, checked: an inline code span made only of numbers,
/// operators and a few functions, with an <c>=</c>, such as <c>`1 + 0.1·(1² + 2²) = 1.5`</c> or
/// <c>`(227 − 11)/4 + 1 = 55`</c>. Every part must equal the last, which is a number written to the
/// precision it claims (<see cref="DecimalLiteral"/>). Spans with variables (<c>`y = max(0, x)`</c>)
/// are formulas, not arithmetic, and are left alone.
/// <para>
/// Grammar: + − (or -) · × * / ÷, ^ and the superscripts ² ³, √ (of what follows), parentheses,
/// sqrt, exp, ln, max and min, and numbers such as 0.25 or 1e-4.
/// </para>
/// </summary>
public static class Arithmetic
{
    private static readonly string[] Functions = ["sqrt", "exp", "ln", "max", "min"];

    /// <summary>True when <paramref name="span"/> is arithmetic to check: it has '=' or '≈', a digit, and no letters but function names.</summary>
    public static bool IsChecked(string span)
    {
        if ((!span.Contains('=', StringComparison.Ordinal) && !span.Contains('≈', StringComparison.Ordinal)) || !span.Any(char.IsAsciiDigit))
        {
            return false;
        }
        string rest = span;
        foreach (string function in Functions)
        {
            rest = rest.Replace(function, "", StringComparison.Ordinal);
        }
        // 'e' inside a number (1e-4) is an exponent, not a variable.
        rest = System.Text.RegularExpressions.Regex.Replace(rest, @"(?<=\d)e(?=[-+−]?\d)", "");
        return !rest.Any(char.IsLetter);
    }

    /// <summary>Null when every part of <paramref name="span"/> equals its last part, a number at the precision it shows; otherwise why not.</summary>
    public static string? Check(string span)
    {
        string[] parts = span.Split('=', '≈');
        if (parts.Length < 2 || parts.Any(p => p.Trim().Length == 0))
        {
            return "an empty side of '='";
        }
        if (!DecimalLiteral.TryParse(parts[^1], out var result))
        {
            return $"the last part, '{parts[^1].Trim()}', must be the result written as a plain number";
        }
        foreach (string part in parts[..^1])
        {
            double value;
            try
            {
                value = Evaluate(part);
            }
            catch (FormatException error)
            {
                return error.Message;
            }
            if (result.Mismatch(value) is { } problem)
            {
                return $"'{part.Trim()}' {problem}";
            }
        }
        return null;
    }

    /// <summary>The value of an arithmetic expression; throws <see cref="FormatException"/> naming what it could not read.</summary>
    public static double Evaluate(string expression)
    {
        var parser = new Parser(expression);
        double value = parser.Expression();
        parser.End();
        return value;
    }

    private sealed class Parser(string text)
    {
        private int _at;

        public void End()
        {
            SkipSpace();
            if (_at < text.Length)
            {
                throw Error("an operator or the end");
            }
        }

        // expression := term (('+' | '-' | '−') term)*
        public double Expression()
        {
            double value = Term();
            while (true)
            {
                if (Take('+'))
                {
                    value += Term();
                }
                else if (Take('-') || Take('−'))
                {
                    value -= Term();
                }
                else
                {
                    return value;
                }
            }
        }

        // term := unary (('·' | '×' | '*' | '/' | '÷') unary)*
        private double Term()
        {
            double value = Unary();
            while (true)
            {
                if (Take('·') || Take('×') || Take('*'))
                {
                    value *= Unary();
                }
                else if (Take('/') || Take('÷'))
                {
                    value /= Unary();
                }
                else
                {
                    return value;
                }
            }
        }

        // unary := ('-' | '−') unary | power
        private double Unary() => Take('-') || Take('−') ? -Unary() : Power();

        // power := primary ('^' unary | '²' | '³')*
        private double Power()
        {
            double value = Primary();
            while (true)
            {
                if (Take('^'))
                {
                    value = Math.Pow(value, Unary());
                }
                else if (Take('²'))
                {
                    value *= value;
                }
                else if (Take('³'))
                {
                    value = value * value * value;
                }
                else
                {
                    return value;
                }
            }
        }

        // primary := number | '(' expression ')' | '√' power | function '(' expression (',' expression)* ')'
        private double Primary()
        {
            SkipSpace();
            if (Take('('))
            {
                double inner = Expression();
                Expect(')');
                return inner;
            }
            if (Take('√'))
            {
                return Math.Sqrt(Power());
            }
            foreach (string function in Functions)
            {
                if (string.CompareOrdinal(text, _at, function, 0, function.Length) == 0)
                {
                    _at += function.Length;
                    Expect('(');
                    var arguments = new List<double> { Expression() };
                    while (Take(','))
                    {
                        arguments.Add(Expression());
                    }
                    Expect(')');
                    return (function, arguments.Count) switch
                    {
                        ("sqrt", 1) => Math.Sqrt(arguments[0]),
                        ("exp", 1) => Math.Exp(arguments[0]),
                        ("ln", 1) => Math.Log(arguments[0]),
                        ("max", > 1) => arguments.Max(),
                        ("min", > 1) => arguments.Min(),
                        _ => throw Error($"a valid number of arguments for {function}"),
                    };
                }
            }
            int start = _at;
            while (_at < text.Length && (char.IsAsciiDigit(text[_at]) || text[_at] == '.'))
            {
                _at++;
            }
            if (_at < text.Length && text[_at] == 'e' && start < _at)
            {
                _at++;
                if (_at < text.Length && (text[_at] is '-' or '+' or '−'))
                {
                    _at++;
                }
                while (_at < text.Length && char.IsAsciiDigit(text[_at]))
                {
                    _at++;
                }
            }
            if (start == _at || !double.TryParse(text[start.._at].Replace('−', '-'), NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
            {
                _at = start;
                throw Error("a number");
            }
            return number;
        }

        private bool Take(char c)
        {
            SkipSpace();
            if (_at < text.Length && text[_at] == c)
            {
                _at++;
                return true;
            }
            return false;
        }

        private void Expect(char c)
        {
            if (!Take(c))
            {
                throw Error($"'{c}'");
            }
        }

        private void SkipSpace()
        {
            while (_at < text.Length && char.IsWhiteSpace(text[_at]))
            {
                _at++;
            }
        }

        private FormatException Error(string expected) =>
            new($"cannot read '{text.Trim()}': expected {expected} at '{(_at < text.Length ? text[_at..] : "the end")}'");
    }
}
