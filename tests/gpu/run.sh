#!/usr/bin/env bash
# GPU check: one command, about 5 minutes on one GPU (10 at most, enforced). Needs an NVIDIA driver, CUDA 13 and
# cuDNN 9 on the loader's path (docs/gpu.md says how, e.g. from PyTorch's cu130 wheels), the .NET 10 SDK and python3.
# It builds the GPU flavour, then checks and measures, failing (exit 1) at the first check that does not hold:
#   1. device: nvidia-smi's GPU, driver, memory, PCIe link;
#   2. CUDA EP: `segengine info` finds the CUDA libraries, and a CUDA session is created on the sample model;
#   3. parity: the sample cases (TTA on) on the CPU and on CUDA in full fp32 (--use-tf32 false) agree within
#      probabilities 1e-3 and labels 99.99 %, and with TF32 within 2e-2 and 99.9 %;
#   4. timings: network ms per run and per tile from the reports, for the sample model and a synthetic ResEnc M
#      (the real 96x160x160 topology, 14 classes, random weights), fp32 and TF32;
#   5. memory: GPU memory sampled every 200 ms by nvidia-smi during the runs, baseline and peak.
# Results go to out/gpu-check/ (or $1): reports, outputs, device.csv, memory.log, summary.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-out/gpu-check}
budget_s=600
rm -rf "$out"
mkdir -p "$out"
log() { echo "== gpu-check: $*"; }
fail() { echo "gpu-check: FAILED: $*" >&2; exit 1; }
elapsed_check() { [ "$SECONDS" -le "$budget_s" ] || fail "over the ${budget_s} s budget after $1 (${SECONDS} s)"; }

log "1. device"
command -v nvidia-smi >/dev/null 2>&1 || fail "nvidia-smi not found: no NVIDIA driver on this machine"
nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used,pcie.link.gen.current,pcie.link.width.current,clocks.max.sm \
  --format=csv | tee "$out/device.csv"

log "build (GPU flavour, artifacts/gpu/)"
dotnet build engine/SegEngine.Cli -c Release -p:OrtFlavor=Gpu -nologo -v quiet || fail "the GPU flavour does not build"
seg=artifacts/gpu/bin/SegEngine.Cli/release/segengine
sample=models/sample/nnUNetTrainer__nnUNetResEncUNetMPlans__3d_fullres
elapsed_check "the build"

log "2. CUDA libraries and execution provider"
"$seg" info -m "$sample" > "$out/info.txt"
grep -E "^(onnx runtime|cuda)" "$out/info.txt"
grep -qE "^cuda +available" "$out/info.txt" || fail "CUDA is not usable here (see the cuda line above; docs/gpu.md)"

nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 200 > "$out/memory.log" &
sampler=$!
trap 'kill "$sampler" 2>/dev/null || true' EXIT

predict() { # name model device tf32 [flags...]
  local name=$1 model=$2 device=$3 tf32=$4
  shift 4
  if ! "$seg" predict -i "$input" -o "$out/$name" -m "$model" -device "$device" --use-tf32 "$tf32" --report "$out/$name.json" "$@" \
    2> "$out/$name.log"; then
    cat "$out/$name.log" >&2
    fail "predict $name failed"
  fi
  grep -q "^warning: CUDA" "$out/$name.log" && { cat "$out/$name.log" >&2; fail "predict $name fell back to the CPU"; }
  return 0
}

log "3. parity on the sample cases (TTA): CPU, CUDA fp32, CUDA TF32"
input=models/sample/cases
predict sample-cpu "$sample" cpu false --save_probabilities
predict sample-cuda-fp32 "$sample" cuda false --save_probabilities
predict sample-cuda-tf32 "$sample" cuda true --save_probabilities
python3 tests/gpu/compare.py "$out/sample-cpu" "$out/sample-cuda-fp32" --max-prob-diff 1e-3 --min-label-agreement 0.9999 || fail "CUDA fp32 disagrees with the CPU"
python3 tests/gpu/compare.py "$out/sample-cpu" "$out/sample-cuda-tf32" --max-prob-diff 2e-2 --min-label-agreement 0.999 || fail "CUDA TF32 disagrees with the CPU"
elapsed_check "the parity runs"

log "4. synthetic ResEnc M (96x160x160 patch, 14 classes): 8 copies of sample case_000, TTA (8 runs per tile)"
"$seg" synth-model --plans tests/fixtures/conversion/resenc_m_plans.json -c 3d_fullres --classes 14 --seed 1 -o "$out/resenc_m" --no-checkpoint-weights
python3 tests/gpu/onnx_flops.py "$out/resenc_m/fold_0/model.onnx" | tee "$out/resenc_m_flops.txt"
input="$out/resenc_m-cases"
mkdir -p "$input"
for i in 0 1 2 3 4 5 6 7; do cp models/sample/cases/case_000_0000.nii.gz "$input/scan$i"_0000.nii.gz; done
predict resenc_m-cuda-tf32 "$out/resenc_m" cuda true
predict resenc_m-cuda-fp32 "$out/resenc_m" cuda false
elapsed_check "the ResEnc M runs"

log "5. timings and memory"
kill "$sampler" 2>/dev/null || true
python3 tests/gpu/summary.py --expect-device cuda --memory "$out/memory.log" \
  "$out/sample-cuda-fp32.json" "$out/sample-cuda-tf32.json" "$out/resenc_m-cuda-fp32.json" "$out/resenc_m-cuda-tf32.json" \
  | tee "$out/summary.txt" || fail "a run did not use CUDA or a case failed"
python3 tests/gpu/summary.py "$out/sample-cpu.json" | tail -n 1 | tee -a "$out/summary.txt"
elapsed_check "everything"
echo "gpu-check: OK in ${SECONDS} s; compare ms/run with docs/gpu.md (ResEnc M: ~15 ms TF32, ~50 ms fp32 on an H100 SXM)"
