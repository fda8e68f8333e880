namespace SegEngine.Model.Checkpoints;

/// <summary>
/// The Python globals a checkpoint may name: those nnU-Net's <c>torch.save</c> writes and SegEngine interprets (torch
/// tensors and storages, <c>torch.device</c>, <c>collections.OrderedDict</c>, NumPy scalars and arrays, protocol 2's
/// bytes). Any other global is refused: SegEngine would not run it, but PyTorch's loader would (a checkpoint naming
/// <c>posix.system</c> runs a shell command in <c>torch.load</c>), so such a file is not a checkpoint to trust.
/// </summary>
/// <remarks>
/// Storage classes are the ones <see cref="TorchElementType"/> reads; NumPy 2 spells <c>numpy.core</c> as
/// <c>numpy._core</c>. The list follows the globals of the sample and fixture checkpoints and what
/// <see cref="TorchTensor"/>, <see cref="NumPyValues"/> and <see cref="PickleValues.AsBytes"/> decode.
/// </remarks>
internal static class CheckpointGlobals
{
    private static readonly HashSet<string> Allowed = new(StringComparer.Ordinal)
    {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "torch.device",
        "numpy.core.multiarray.scalar",
        "numpy.core.multiarray._reconstruct",
        "numpy._core.multiarray.scalar",
        "numpy._core.multiarray._reconstruct",
        "numpy.dtype",
        "numpy.ndarray",
        "_codecs.encode",
    };

    public static bool IsAllowed(PickleGlobal global) =>
        Allowed.Contains(global.FullName) || (global.Module == "torch" && TorchElementType.FromStorageClass(global.Name) is not null);
}
