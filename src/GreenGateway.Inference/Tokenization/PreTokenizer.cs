using System.Text.RegularExpressions;

namespace GreenGateway.Inference.Tokenization;

/// <summary>How a regex split treats the matches (tokenizers' SplitDelimiterBehavior).</summary>
internal enum SplitBehavior
{
    Isolated,
    Removed,
    MergedWithPrevious,
    MergedWithNext,
}

/// <summary>One step that cuts text into pre-tokens; BPE then runs on each pre-token alone.</summary>
internal abstract class PreTokenizer
{
    /// <summary>Whether BPE sees the pre-tokens as byte-level characters (a ByteLevel step was present).</summary>
    public virtual bool ByteLevelOutput => false;

    public abstract void Split(string text, List<string> output);
}

/// <summary>Regex split; the patterns of GPT-2, Llama-3 and Qwen2 are in <see cref="PreTokenizerPatterns"/>.</summary>
internal sealed class RegexSplit(Regex regex, SplitBehavior behavior, bool invert) : PreTokenizer
{
    public override void Split(string text, List<string> output)
    {
        var segments = new List<(string Text, bool Match)>();
        var at = 0;
        for (var m = regex.Match(text); m.Success; m = m.NextMatch())
        {
            if (m.Length == 0)
            {
                continue;
            }

            if (m.Index > at)
            {
                segments.Add((text[at..m.Index], invert));
            }

            segments.Add((m.Value, !invert));
            at = m.Index + m.Length;
        }

        if (at < text.Length)
        {
            segments.Add((text[at..], invert));
        }

        string? pending = null;
        for (var i = 0; i < segments.Count; i++)
        {
            var (piece, match) = segments[i];
            switch (behavior)
            {
                case SplitBehavior.Isolated:
                    output.Add(piece);
                    break;
                case SplitBehavior.Removed:
                    if (!match)
                    {
                        output.Add(piece);
                    }

                    break;
                case SplitBehavior.MergedWithPrevious:
                    if (match && output.Count > 0 && i > 0 && !segments[i - 1].Match)
                    {
                        output[^1] += piece;
                    }
                    else
                    {
                        output.Add(piece);
                    }

                    break;
                case SplitBehavior.MergedWithNext:
                    if (match)
                    {
                        pending = (pending ?? "") + piece;
                    }
                    else
                    {
                        output.Add((pending ?? "") + piece);
                        pending = null;
                    }

                    break;
            }
        }

        if (pending is not null)
        {
            output.Add(pending);
        }
    }
}

/// <summary>tokenizers' ByteLevel pre-tokenizer: optional leading space, optional GPT-2 regex split, byte-level output.</summary>
internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : PreTokenizer
{
    private static readonly RegexSplit Gpt2 = new(PreTokenizerPatterns.Compile(PreTokenizerPatterns.Gpt2), SplitBehavior.Isolated, false);

    public override bool ByteLevelOutput => true;

    public override void Split(string text, List<string> output)
    {
        if (addPrefixSpace && !text.StartsWith(' '))
        {
            text = " " + text;
        }

        if (useRegex)
        {
            Gpt2.Split(text, output);
        }
        else
        {
            output.Add(text);
        }
    }
}

/// <summary>Steps applied in order, each to every pre-token of the step before.</summary>
internal sealed class SequencePreTokenizer(IReadOnlyList<PreTokenizer> steps) : PreTokenizer
{
    public override bool ByteLevelOutput => steps.Any(static s => s.ByteLevelOutput);

    public override void Split(string text, List<string> output)
    {
        var current = new List<string> { text };
        var next = new List<string>();
        foreach (var step in steps)
        {
            next.Clear();
            foreach (var piece in current)
            {
                step.Split(piece, next);
            }

            (current, next) = (next, current);
        }

        output.AddRange(current);
    }
}
