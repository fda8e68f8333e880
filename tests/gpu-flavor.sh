#!/usr/bin/env bash
# The GPU flavour, built and tested on any machine, GPU or not: the whole solution against ONNX Runtime's CUDA 13
# package (-p:OrtFlavor=Gpu, Microsoft.ML.OnnxRuntime.Gpu.Linux), then the xunit suite on that build. Without CUDA the
# device tests assert the fallback and failure messages (tests/SegEngine.Tests/Inference/DeviceSelectionTests.cs,
# Cli/DeviceFlagTests.cs); every other test runs on the GPU package's CPU provider. Outputs go to artifacts/gpu/, apart
# from the default build's bin/ and obj/. test.sh calls this; it exits non-zero when the build or a test fails.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! dotnet build Engine.sln -c Release -p:OrtFlavor=Gpu; then
  echo "gpu-flavor: Failed: 1, Passed: 0 - the GPU flavour (-p:OrtFlavor=Gpu) did not build"
  exit 1
fi

provider=artifacts/gpu/bin/SegEngine.Tests/release/runtimes/linux-x64/native/libonnxruntime_providers_cuda.so
if [ ! -f "$provider" ]; then
  echo "gpu-flavor: Failed: 1, Passed: 0 - $provider is missing: the GPU flavour did not get the CUDA package"
  exit 1
fi

dotnet test tests/SegEngine.Tests -c Release -p:OrtFlavor=Gpu --no-build
