using GreenGateway.Inference.Cuda.Native;
using GreenGateway.Inference.Cuda.Runtime;

namespace GreenGateway.Inference.Cuda.Model;

/// <summary>
/// The batch-1 decode step captured once as a CUDA graph (stream capture, then instantiate) and replayed with one
/// cuGraphLaunch. Nothing in it depends on the token or the position: the kernels read both, and the KV cache's
/// address, from the row parameters uploaded before each launch, so one graph serves every sequence and step.
/// </summary>
internal sealed class DecodeGraph : IDisposable
{
    private nint _exec;

    private DecodeGraph(nint exec) => _exec = exec;

    public static DecodeGraph Capture(CudaDevice device, Action enqueue)
    {
        Check.Cu(NativeMethods.cuStreamBeginCapture(device.Stream, 1));
        try
        {
            enqueue();
        }
        catch
        {
            NativeMethods.cuStreamEndCapture(device.Stream, out var broken);
            if (broken != 0)
            {
                NativeMethods.cuGraphDestroy(broken);
            }

            throw;
        }

        Check.Cu(NativeMethods.cuStreamEndCapture(device.Stream, out var graph));
        try
        {
            Check.Cu(NativeMethods.cuGraphInstantiateWithFlags(out var exec, graph, 0));
            return new DecodeGraph(exec);
        }
        finally
        {
            NativeMethods.cuGraphDestroy(graph);
        }
    }

    public void Launch(CudaDevice device) => Check.Cu(NativeMethods.cuGraphLaunch(_exec, device.Stream));

    public void Dispose()
    {
        if (_exec != 0)
        {
            NativeMethods.cuGraphExecDestroy(_exec);
            _exec = 0;
        }
    }
}
