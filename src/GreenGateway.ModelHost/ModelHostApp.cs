using GreenGateway.ModelHost.Api;
using GreenGateway.ModelHost.Configuration;
using GreenGateway.ModelHost.Energy;
using GreenGateway.ModelHost.Serving;

namespace GreenGateway.ModelHost;

/// <summary>Composes the model server. Program runs it; tests and the gateway's in-process mode start it on a port of their choice.</summary>
public static class ModelHostApp
{
    /// <param name="args">Command-line arguments: <c>--model PATH</c>, <c>--urls</c>, <c>--ModelHost:Key=value</c>.</param>
    /// <param name="overrides">Settings applied over appsettings and the command line (tests).</param>
    public static WebApplication Build(string[] args, IDictionary<string, string?>? overrides = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string>
        {
            ["--model"] = $"{ModelHostOptions.Section}:{nameof(ModelHostOptions.Model)}",
            ["--served-model-name"] = $"{ModelHostOptions.Section}:{nameof(ModelHostOptions.ServedModelName)}",
        });
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        var options = builder.Configuration.GetSection(ModelHostOptions.Section).Get<ModelHostOptions>() ?? new ModelHostOptions();
        if (options.Validate() is { Count: > 0 } errors)
        {
            throw new InvalidOperationException("The model host's configuration is not valid:" + Environment.NewLine + "  " +
                string.Join(Environment.NewLine + "  ", errors));
        }

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(static sp => new ModelSession(sp.GetRequiredService<ModelHostOptions>(), sp.GetRequiredService<ILogger<ModelSession>>()));
        builder.Services.AddSingleton(static sp => new EnergyMeter(sp.GetRequiredService<ModelHostOptions>(), sp.GetRequiredService<ModelSession>().GpuEnergy));

        var app = builder.Build();
        _ = app.Services.GetRequiredService<ModelSession>(); // load the weights before the first request
        if (options.ApiKey is { Length: > 0 } apiKey)
        {
            app.Use(RequireKey(apiKey));
        }

        app.MapGet("/health", static () => Results.Ok());
        app.MapGet("/v1/models", TokenizeEndpoints.ModelsAsync);
        app.MapPost("/v1/completions", GenerationEndpoint.CompletionsAsync);
        app.MapPost("/v1/chat/completions", GenerationEndpoint.ChatAsync);
        app.MapPost("/tokenize", TokenizeEndpoints.TokenizeAsync);
        app.MapPost("/detokenize", TokenizeEndpoints.DetokenizeAsync);
        return app;
    }

    /// <summary>
    /// Generation needs the key (compared in constant time); health and the model list stay open, for health checks.
    /// </summary>
    private static Func<HttpContext, RequestDelegate, Task> RequireKey(string key)
    {
        var expected = System.Text.Encoding.UTF8.GetBytes("Bearer " + key);
        return async (context, next) =>
        {
            var open = HttpMethods.IsGet(context.Request.Method) && (context.Request.Path == "/health" || context.Request.Path == "/v1/models");
            var sent = System.Text.Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString());
            if (open || System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(sent, expected))
            {
                await next(context);
                return;
            }

            await new ApiError(401, "This model server needs its key: send 'Authorization: Bearer <key>'.", Code: "invalid_api_key").WriteAsync(context);
        };
    }
}
