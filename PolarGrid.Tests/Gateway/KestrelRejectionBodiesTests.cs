using System.Text;
using PolarGrid.Gateway.Hosting;

namespace PolarGrid.Tests.Gateway;

/// <summary>Only Kestrel's own empty-bodied rejections are rewritten; every other write passes untouched.</summary>
public sealed class KestrelRejectionBodiesTests
{
    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n")]
    [InlineData("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n")]
    [InlineData("{\"error\":{\"message\":\"HTTP/1.1 400\"}}")]
    [InlineData("\0\0\u0004\u0001\0\0\0\0")]
    public void Other_writes_are_left_alone(string written) =>
        Assert.Null(KestrelRejectionBodies.Rewrite(Encoding.ASCII.GetBytes(written)));

    [Fact]
    public void A_rejection_gets_a_json_body_and_keeps_its_other_headers()
    {
        var rewritten = KestrelRejectionBodies.Rewrite(
            "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nDate: Tue, 08 Dec 2026 04:00:00 GMT\r\nContent-Length: 0\r\n\r\n"u8);
        var text = Encoding.UTF8.GetString(rewritten!);
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var (head, body) = (text[..split], text[(split + 4)..]);
        Assert.StartsWith("HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nDate:", head);
        Assert.Contains("\r\nContent-Type: application/json\r\n", head + "\r\n");
        Assert.Contains($"\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}", head);
        Assert.Equal("headers_too_large", System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("code").GetString());
    }
}
