using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GreenGateway.Accounting;
using GreenGateway.Core.Carbon;
using GreenGateway.Core.Cascade;
using GreenGateway.Core.Requests;

namespace GreenGateway.Answers;

/// <summary>Who an answer is written for: the request, where its large model is, the grid now, the request's id, and the
/// shape the client's API gives the answer.</summary>
internal sealed record AnswerTarget(OpenAiRequest Request, ModelRoute Route, CarbonIntensity Grid, string RequestId, AnswerFormat Format);

/// <summary>What writing an answer did.</summary>
/// <param name="Written">Whether any byte reached the client (a failure before it lets the large model answer instead).</param>
/// <param name="End">How the answer ended; null when it threw.</param>
/// <param name="Figures">What was charged for it; null when nothing was delivered.</param>
/// <param name="Text">The text delivered.</param>
internal readonly record struct WrittenAnswer(bool Written, AnswerEnd? End, RequestFigures? Figures, string Text);

/// <summary>
/// Writes any answer of the gateway's own tiers the way the client asked for it, in its API's shape
/// (<see cref="AnswerFormat"/>): one body, or a stream with a piece per event as it becomes final, then the end (finish,
/// usage) and the last event. The figures are priced from the answer's end, and <c>beforeLastByte</c> (the request's
/// settlement) runs before the last byte goes out, so a client that reads <c>/v1/usage</c> next sees the answer counted.
/// A stream that fails part-way ends with an error event, charged what it delivered.
/// </summary>
internal sealed class AnswerWriter(EnergyAccountant accountant)
{
    public async Task<WrittenAnswer> WriteAsync(HttpContext http, AnswerTarget target, TierAnswer answer, Func<RequestFigures, ValueTask> beforeLastByte)
    {
        var aborted = http.RequestAborted;
        var format = target.Format;
        if (!target.Request.Stream)
        {
            var buffer = new BufferSink();
            var whole = await answer.WriteToAsync(buffer, aborted);
            if (whole.Failure is not null)
            {
                return new WrittenAnswer(false, whole, null, buffer.Text);
            }

            var figures = accountant.PriceTier(target.Route, whole.Usage, whole.Work, target.Grid);
            var content = AnswerContent.OfText(answer.Model, buffer.Text, whole.FinishReason ?? "stop", answer.Details.Cache?.ResponseJson);
            var body = format.Body(content, figures, answer.Tier, whole.Speculative);
            var headers = http.Response.Headers;
            FigureFormat.WriteTierHeaders(headers, answer.Tier, answer.Details);
            FigureFormat.WriteEndHeaders(headers, whole, answer.Tier);
            FigureFormat.WriteHeaders(headers, figures);
            http.Response.ContentType = "application/json";
            http.Response.ContentLength = body.Length;
            await beforeLastByte(figures);
            await http.Response.Body.WriteAsync(body, aborted);
            return new WrittenAnswer(true, whole, figures, buffer.Text);
        }

        var sink = new SseSink(http, answer, format);
        var end = await answer.WriteToAsync(sink, aborted);
        if (end.Failure is not null && !sink.Started)
        {
            return new WrittenAnswer(false, end, null, "");
        }

        // Charged what was delivered, whether the answer finished or broke part-way.
        var charged = accountant.PriceTier(target.Route, end.Usage, end.Work, target.Grid);
        var output = http.Response.BodyWriter;
        if (!sink.Started)
        {
            // An empty answer still opens with the assistant's role (its message).
            await sink.StartAsync(aborted);
            format.WriteDelta(output, answer.Model, "");
        }

        var delivered = AnswerContent.OfText(answer.Model, sink.Text, end.FinishReason ?? "stop");
        if (end.Failure is not null)
        {
            await beforeLastByte(charged);
            format.WriteError(output, end.Failure, "upstream_error", "upstream_failed", delivered, charged);
            await output.FlushAsync(aborted);
            return new WrittenAnswer(true, end, charged, sink.Text);
        }

        format.WriteEnd(output, delivered, charged, answer.Tier, end.Speculative);
        await beforeLastByte(charged);
        format.WriteLast(output);
        await output.FlushAsync(aborted);
        return new WrittenAnswer(true, end, charged, sink.Text);
    }

    /// <summary>Ends a chat completions stream that broke after its first byte: an OpenAI-shaped error event, and no <c>[DONE]</c>.</summary>
    public static void WriteErrorEvent(PipeWriter output, string message, string type = "upstream_error", string code = "upstream_failed") =>
        ChatFormat.WriteErrorEvent(output, message, type, code);

    /// <summary>Collects the whole text, for a client that does not stream.</summary>
    private sealed class BufferSink : IAnswerSink
    {
        private readonly StringBuilder _text = new();

        public string Text => _text.ToString();

        public ValueTask WriteAsync(string text, CancellationToken cancellationToken)
        {
            _text.Append(text);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Writes each piece as an event as it comes; the headers and the stream's opening go out with the first.</summary>
    private sealed class SseSink(HttpContext http, TierAnswer answer, AnswerFormat format) : IAnswerSink
    {
        private readonly StringBuilder _text = new();

        public bool Started { get; private set; }

        public string Text => _text.ToString();

        public async ValueTask WriteAsync(string text, CancellationToken cancellationToken)
        {
            if (text.Length == 0)
            {
                return;
            }

            await StartAsync(cancellationToken);
            _text.Append(text);
            format.WriteDelta(http.Response.BodyWriter, answer.Model, text);
            await http.Response.BodyWriter.FlushAsync(cancellationToken);
        }

        /// <summary>Sends the headers (once) and the stream's opening; the figures travel in the usage event, since headers go before them.</summary>
        public ValueTask StartAsync(CancellationToken cancellationToken)
        {
            if (Started)
            {
                return ValueTask.CompletedTask;
            }

            Started = true;
            var response = http.Response;
            FigureFormat.WriteTierHeaders(response.Headers, answer.Tier, answer.Details);
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            format.WriteStart(response.BodyWriter, answer.Model);
            return ValueTask.CompletedTask;
        }
    }
}
