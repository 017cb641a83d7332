using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using T2I.Web.Tests.Support;
using Xunit.Abstractions;

namespace T2I.Web.Tests.Api;

/// <summary>Limits that hold against a script: per address, not per cookie; bodies refused before they are read.</summary>
public class SubmissionLimitTests(ITestOutputHelper output)
{
    [Fact]
    public async Task AFloodFromOneAddressWithoutCookiesGets429WithRetryAfter()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator(), null,
            "T2I:RateLimit:Burst=5", "T2I:RateLimit:SubmitsPerMinute=1");
        using var script = app.NewScript();

        var answers = new List<HttpResponseMessage>();
        for (int i = 0; i < 20; i++)
            answers.Add(await script.PostAsJsonAsync("/api/generations", new { prompt = $"flood {i}", steps = 1 }));

        Assert.Equal(5, answers.Count(a => a.StatusCode == HttpStatusCode.Accepted));
        var refused = answers.Where(a => a.StatusCode != HttpStatusCode.Accepted).ToList();
        Assert.All(refused, a => Assert.Equal(HttpStatusCode.TooManyRequests, a.StatusCode));
        var retryAfter = refused[0].Headers.RetryAfter?.Delta;
        output.WriteLine($"Retry-After: {retryAfter?.TotalSeconds} s");
        Assert.InRange(retryAfter!.Value.TotalSeconds, 1, 60);
        Assert.Equal("Too many submissions; wait a minute and try again.", await refused[0].ProblemAsync(HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task ClientsOfOneAddressShareABucketAndInvalidRequestsAreNotCharged()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator(), null,
            "T2I:RateLimit:Burst=2", "T2I:RateLimit:SubmitsPerMinute=1");
        using var eager = app.NewClient();
        using var other = app.NewClient();

        for (int i = 0; i < 10; i++)
        {
            var invalid = await eager.PostAsJsonAsync("/api/generations", new { prompt = "bad", steps = 1000 });
            Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        }
        await eager.SubmitAsync(new { prompt = "one", steps = 1 });
        await other.SubmitAsync(new { prompt = "two", steps = 1 });
        var third = await other.PostAsJsonAsync("/api/generations", new { prompt = "three", steps = 1 });

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.NotNull(third.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task AFullQueueRefusesWith503AndRetryAfterWithoutChargingTheClient()
    {
        var generator = new TestDoubleGenerator { StepDelay = TimeSpan.FromMilliseconds(50) };
        await using var app = await TestApp.StartAsync(generator, null, "T2I:Queue:MaxWaiting=2", "T2I:RateLimit:Burst=4");
        using var http = app.NewClient();
        string running = await http.SubmitAsync(new { prompt = "running", steps = 150 });
        await http.WaitForAsync(running, TimeSpan.FromSeconds(30), "running");
        await http.SubmitAsync(new { prompt = "waiting 1", steps = 1 });
        string waiting = await http.SubmitAsync(new { prompt = "waiting 2", steps = 1 });

        var full = await http.PostAsJsonAsync("/api/generations", new { prompt = "one too many", steps = 1 });
        Assert.Equal("The queue is full; try again in a little while.", await full.ProblemAsync(HttpStatusCode.ServiceUnavailable));
        Assert.Equal(TimeSpan.FromSeconds(30), full.Headers.RetryAfter?.Delta);

        await http.DeleteAsync($"/api/generations/{waiting}");
        await http.SubmitAsync(new { prompt = "room again", steps = 1 }); // the 4th token: the refusal took none
        await http.DeleteAsync($"/api/generations/{running}");
    }

    [Fact]
    public async Task BodiesOverTheCapGet413AndMemoryStaysFlat()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator());
        using var script = app.NewScript();
        long before = RssBytes();

        var big = await PostAsync(app.Address, 31L << 20, chunked: false);
        var chunked = await PostAsync(app.Address, 31L << 20, chunked: true);
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => PostAsync(app.Address, 25L << 20, chunked: true)));
        long after = RssBytes();
        output.WriteLine($"RSS {before >> 20} MB before, {after >> 20} MB after a 31 MB, a chunked 31 MB and 16 concurrent 25 MB posts");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunked);
        Assert.All(concurrent, status => Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status));
        Assert.True(after - before < 100L << 20, $"RSS grew from {before >> 20} to {after >> 20} MB");
        await script.SubmitAsync(new { prompt = "still serving", steps = 1 });
    }

    /// <summary>
    /// Posts a JSON body of <paramref name="length"/> bytes over a raw connection, as a script that never waits
    /// for <c>100 Continue</c> does: the body is generated as it is written (the test never holds it) while the
    /// answer is read, and the server may answer and close before the body is through.
    /// </summary>
    private static async Task<HttpStatusCode> PostAsync(Uri address, long length, bool chunked)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        var stream = tcp.GetStream();
        string framing = chunked ? "Transfer-Encoding: chunked" : $"Content-Length: {length}";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(
            $"POST /api/generations HTTP/1.1\r\nHost: {address.Authority}\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"));
        var sending = Task.Run(async () =>
        {
            var body = new PromptStream(length);
            var buffer = new byte[64 * 1024];
            try
            {
                for (int n; (n = body.Read(buffer, 0, buffer.Length)) > 0;)
                {
                    if (chunked) await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"{n:X}\r\n"));
                    await stream.WriteAsync(buffer.AsMemory(0, n));
                    if (chunked) await stream.WriteAsync("\r\n"u8.ToArray());
                }
            }
            catch (IOException) { } // the server answered and closed the connection before the body was through
        });
        using var reader = new StreamReader(stream, System.Text.Encoding.ASCII, leaveOpen: true);
        string statusLine = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)) ?? "";
        tcp.Client.Shutdown(System.Net.Sockets.SocketShutdown.Both);
        await sending;
        return (HttpStatusCode)int.Parse(statusLine.Split(' ')[1]);
    }

    private static long RssBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64;
    }

    /// <summary><c>{"prompt":"aaaa…</c> of a given length, generated as it is read.</summary>
    private sealed class PromptStream(long length) : Stream
    {
        private static readonly byte[] Head = "{\"prompt\":\""u8.ToArray();
        private long _position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = (int)Math.Min(count, length - _position);
            for (int i = 0; i < n; i++) buffer[offset + i] = _position + i < Head.Length ? Head[_position + i] : (byte)'a';
            _position += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
