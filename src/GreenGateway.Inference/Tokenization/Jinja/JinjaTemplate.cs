using System.Text.Json;

namespace GreenGateway.Inference.Tokenization.Jinja;

/// <summary>Bounds on one rendering, so that a hostile or broken template cannot hang or exhaust the host.</summary>
public sealed record JinjaLimits
{
    /// <summary>Characters the template may write (macro output included). Default 4 Mi; a chat prompt is far smaller.</summary>
    public long MaxOutputChars { get; init; } = 4 << 20;

    /// <summary>Tags run plus loop iterations (also the largest range()). Default 1,000,000.</summary>
    public long MaxSteps { get; init; } = 1_000_000;

    /// <summary>How deep macro calls may nest (recursive macros). Default 64.</summary>
    public int MaxCallDepth { get; init; } = 64;
}

/// <summary>
/// A Jinja2 template, parsed once and rendered many times, with the subset of Jinja that Hugging Face chat templates
/// use and the environment transformers gives them: trim_blocks, lstrip_blocks, loop controls, an immutable sandbox,
/// <c>tojson</c> as json.dumps (no HTML escaping, non-ASCII kept), and the globals <c>raise_exception</c> and
/// <c>strftime_now</c>.
/// </summary>
public sealed class JinjaTemplate
{
    private readonly List<Node> _nodes;

    private JinjaTemplate(string source, List<Node> nodes)
    {
        Source = source;
        _nodes = nodes;
    }

    public string Source { get; }

    /// <summary>Parses <paramref name="source"/>; throws <see cref="TemplateSyntaxException"/> when it is not valid.</summary>
    public static JinjaTemplate Parse(string source) => new(source, JinjaParser.Parse(source));

    /// <summary>
    /// Renders with <paramref name="variables"/> (JSON values, as transformers passes Python's). Throws
    /// <see cref="TemplateRaisedException"/> when the template calls raise_exception, <see cref="TemplateLimitException"/>
    /// past <paramref name="limits"/>, and <see cref="TemplateException"/> for any other failure.
    /// </summary>
    public string Render(IReadOnlyDictionary<string, JsonElement?> variables, JinjaLimits? limits = null, TimeProvider? time = null)
    {
        var scope = new Scope(null);
        foreach (var (name, value) in variables)
        {
            if (value is { } v)
            {
                scope.Set(name, PyValue.FromJson(v));
            }
        }

        return new JinjaInterpreter(limits ?? new JinjaLimits(), time ?? TimeProvider.System).Render(_nodes, scope);
    }
}
