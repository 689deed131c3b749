using System.Diagnostics;
using System.Runtime.InteropServices;

namespace GreenGateway.Accounting;

/// <summary>
/// CPU time of the calling thread (<c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>, Linux), so that the draft's
/// work is measured without the rest of the process's. Elsewhere, or when the call fails, wall time stands in.
/// </summary>
internal static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>Seconds of CPU time the calling thread has used (or a wall clock where that is not readable).</summary>
    public static double Now()
    {
        if (OperatingSystem.IsLinux() && NativeMethods.ClockGetTime(ClockThreadCpuTimeId, out var ts) == 0)
        {
            return ts.Seconds + ts.Nanoseconds * 1e-9;
        }

        return Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    private static partial class NativeMethods
    {
        [LibraryImport("libc", EntryPoint = "clock_gettime")]
        public static partial int ClockGetTime(int clockId, out TimeSpec time);
    }
}
