using GreenGateway.Inference.Cuda.Native;

namespace GreenGateway.Inference.Cuda.Runtime;

/// <summary>A loaded cubin (cuModuleLoadData) and lookup of its kernels by name.</summary>
internal sealed class CudaModule : IDisposable
{
    private readonly CudaDevice _device;
    private nint _module;

    public unsafe CudaModule(CudaDevice device, byte[] cubin, string name)
    {
        _device = device;
        Name = name;
        device.MakeCurrent();
        fixed (byte* p = cubin)
        {
            Check.Cu(NativeMethods.cuModuleLoadData(out _module, (nint)p));
        }
    }

    public string Name { get; }

    public CudaFunction Function(string kernel)
    {
        var result = NativeMethods.cuModuleGetFunction(out var f, _module, kernel);
        if (result != CuResult.Success)
        {
            throw new CudaException($"kernel '{kernel}' is not in module {Name}: {Check.CuFailure(result, "cuModuleGetFunction").Message}");
        }

        return new CudaFunction(_device, f, kernel);
    }

    public void Dispose()
    {
        if (_module != 0)
        {
            _device.MakeCurrent();
            NativeMethods.cuModuleUnload(_module);
            _module = 0;
        }
    }
}

/// <summary>A kernel and its launch on the device's stream.</summary>
internal sealed class CudaFunction(CudaDevice device, nint handle, string name)
{
    public string Name { get; } = name;

    /// <summary>Lets a launch use more than 48 KB of dynamic shared memory (CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES).</summary>
    public void AllowSharedBytes(int bytes) => Check.Cu(NativeMethods.cuFuncSetAttribute(handle, 8, bytes));

    public unsafe void Launch(uint gridX, uint gridY, uint block, uint sharedBytes, params ReadOnlySpan<KernelArg> args)
    {
        var slots = stackalloc long[args.Length];
        var pointers = stackalloc void*[args.Length];
        for (var i = 0; i < args.Length; i++)
        {
            slots[i] = args[i].Bits;
            pointers[i] = slots + i;
        }

        CuResult result;
        if (device.ProgrammaticLaunch)
        {
            // Programmatic dependent launch (Hopper): this kernel may be scheduled while the previous one finishes;
            // every kernel starts with griddepcontrol.wait (gg_common.cuh), so it reads nothing before that is done.
            var attribute = new CuLaunchAttribute { Id = CuLaunchAttribute.ProgrammaticStreamSerialization, Value = 1 };
            var config = new CuLaunchConfig
            {
                GridX = gridX, GridY = gridY, GridZ = 1, BlockX = block, BlockY = 1, BlockZ = 1,
                SharedBytes = sharedBytes, Stream = device.Stream, Attributes = &attribute, AttributeCount = 1,
            };
            result = NativeMethods.cuLaunchKernelEx(&config, handle, pointers, null);
        }
        else
        {
            result = NativeMethods.cuLaunchKernel(handle, gridX, gridY, 1, block, 1, 1, sharedBytes, device.Stream, pointers, null);
        }

        if (result != CuResult.Success)
        {
            throw Check.CuFailure(result, $"cuLaunchKernel[{Name}]");
        }
    }
}
