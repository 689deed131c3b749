namespace GreenGateway.Inference.Tokenization.Jinja;

/// <summary>A chat template failed: it does not parse, or rendering it failed on the given data.</summary>
public class TemplateException : Exception
{
    public TemplateException(string message)
        : base(message)
    {
    }

    public TemplateException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>The template's source is not valid Jinja (or uses a construct outside the supported subset).</summary>
public sealed class TemplateSyntaxException(string message, int line) : TemplateException($"line {line}: {message}")
{
    public int Line { get; } = line;
}

/// <summary>
/// The template itself refused the data, by calling <c>raise_exception(message)</c> (for example "Conversation roles
/// must alternate user/assistant/..."): the request is wrong, not the server.
/// </summary>
public sealed class TemplateRaisedException(string message) : TemplateException(message);

/// <summary>Rendering passed one of <see cref="JinjaLimits"/> (a hostile or runaway template).</summary>
public sealed class TemplateLimitException(string message) : TemplateException(message);
