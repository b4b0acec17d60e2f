using System.Runtime.InteropServices;

namespace PolarGrid.Gateway.Models;

/// <summary>
/// Hands memory that native code has freed back to the operating system. Loading a tokenizer parses its JSON in
/// onnxruntime-genai's native heap; glibc keeps what the parse freed (about 12 MB for a Llama tokenizer), which a
/// gateway in a small VM should not carry for its lifetime.
/// </summary>
internal static class NativeHeap
{
    public static void Trim()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        try
        {
            _ = malloc_trim(0);
        }
        catch (Exception error) when (error is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl has no malloc_trim): nothing to hand back this way.
        }
    }

    [DllImport("libc", ExactSpelling = true)]
    private static extern int malloc_trim(nuint pad);
}
