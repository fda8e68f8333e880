#!/usr/bin/env bash
# SegEngine and nnU-Net 2.8.1's own predictor side by side on one case of exactly one patch of a synthetic ResEnc M
# 3d_fullres (102 M parameters, patch 96×160×160, 14 classes, random weights), with and without mirroring, one process
# after the other, each timed by /usr/bin/time. Appends a table (wall time, seconds per forward, peak RSS, ratios,
# the CPU) to perf/results/network-history.md.
#   perf/scripts/side_by_side_nnunet.sh [WORK_DIR]        (default /tmp/segengine-side-by-side; the model is reused)
# Needs a Release build and nnU-Net's reference predictor with Debian's python3-torch (/work/shared/nnunet-reference,
# or NNUNET_REFERENCE=DIR). Run it alone on the machine: it takes about 8 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
work=${1:-/tmp/segengine-side-by-side}
reference=${NNUNET_REFERENCE:-/work/shared/nnunet-reference}
segengine=$repo/engine/SegEngine.Cli/bin/Release/net10.0/segengine
results=$work/results
model=$results/Dataset901_SideBySide/nnUNetTrainer__nnUNetResEncUNetMPlans__3d_fullres
[ -x "$segengine" ] || { echo "side_by_side: build first (dotnet build Engine.sln -c Release)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "side_by_side: /usr/bin/time is needed (apt-get install time)" >&2; exit 2; }

if [ ! -f "$model/fold_0/checkpoint_final.pth" ]; then
  rm -rf "$model"
  "$segengine" synth-model --plans tests/fixtures/conversion/resenc_m_plans.json -c 3d_fullres --classes 14 --seed 1 -o "$model"
  # nnU-Net's reference runs without SimpleITK: both sides read the case through NibabelIO.
  /usr/bin/python3 - "$model/plans.json" <<'PY'
import json, sys
path = sys.argv[1]
plans = json.load(open(path))
plans["image_reader_writer"] = "NibabelIO"
json.dump(plans, open(path, "w"), indent=4)
PY
fi

# One CT of exactly one patch: 96×160×160 voxels (z, y, x) at the plans' spacing, so neither side resamples or tiles.
mkdir -p "$work/in"
/usr/bin/python3 - "$model/plans.json" "$work/in/case_0000.nii.gz" <<'PY'
import json, sys
import nibabel as nib
import numpy as np
configuration = json.load(open(sys.argv[1]))["configurations"]["3d_fullres"]
z, y, x = configuration["patch_size"]
sz, sy, sx = configuration["spacing"]
rng = np.random.default_rng(1)
# CT-like values, never 0, so cropping to the non-zero region keeps the whole volume.
volume = rng.integers(-1000, 1000, size=(x, y, z)).astype(np.int16)
volume[volume == 0] = 1
nib.save(nib.Nifti1Image(volume, np.diag([sx, sy, sz, 1.0])), sys.argv[2])
PY

time_run() {  # name, then the command; writes $work/NAME.time ("wall_seconds max_rss_kb")
  local name=$1; shift
  rm -rf "$work/out-$name"
  cut -d' ' -f1 /proc/loadavg > "$work/$name.load"
  /usr/bin/time -o "$work/$name.time" -f '%e %M' "$@" > "$work/$name.log" 2>&1 || { cat "$work/$name.log" >&2; exit 1; }
  cut -d' ' -f1 /proc/loadavg >> "$work/$name.load"
  echo "side_by_side: $name $(cat "$work/$name.time")" >&2
}

export nnUNet_results=$results
nnunet=("$reference/nnunet-predict" -i "$work/in" -d 901 -p nnUNetResEncUNetMPlans -tr nnUNetTrainer -c 3d_fullres -f 0
  -device cpu -npp 0 -nps 0 --disable_progress_bar)
ours=("$segengine" predict -i "$work/in" -m "$model" -f 0 -device cpu)
time_run nnunet-notta "${nnunet[@]}" -o "$work/out-nnunet-notta" --disable_tta
# A new user's first start: no memory record beside the model (a reused work folder keeps the last run's).
rm -f "$model"/fold_0/*.segengine-memory.json
time_run segengine-notta "${ours[@]}" -o "$work/out-segengine-notta" --disable_tta --report "$work/segengine-notta.json"
time_run nnunet-tta "${nnunet[@]}" -o "$work/out-nnunet-tta"
time_run segengine-tta "${ours[@]}" -o "$work/out-segengine-tta" --report "$work/segengine-tta.json"

/usr/bin/python3 - "$work" "$repo/perf/results/network-history.md" "$(git rev-parse --short=12 HEAD)" <<'PY'
import json, platform, sys, time
work, markdown, commit = sys.argv[1:]
def run(name):
    wall, rss = open(f"{work}/{name}.time").read().split()
    return float(wall), int(rss) * 1024
# The first processor's fields: the VM names every CPU "AMD EPYC", so its family, model and vector width say which it is.
info = {}
for line in open("/proc/cpuinfo"):
    if not line.strip():
        break
    key, _, value = line.partition(":")
    info.setdefault(key.strip(), value.strip())
vectors = "AVX-512" if "avx512f" in info.get("flags", "").split() else "AVX2" if "avx2" in info.get("flags", "").split() else "no AVX2"
cpu = f"{info.get('model name', platform.machine())} (family {info.get('cpu family', '?')} model {info.get('model', '?')}, {vectors})"
cores = sum(1 for line in open("/proc/cpuinfo") if line.startswith("processor"))
r = {name: run(name) for name in ("nnunet-notta", "segengine-notta", "nnunet-tta", "segengine-tta")}
reports = {m: json.load(open(f"{work}/segengine-{m}.json")) for m in ("notta", "tta")}
# Seconds per forward: the 7 extra passes of mirroring over the difference of the two wall times, for both sides alike.
forward = {side: (r[f"{side}-tta"][0] - r[f"{side}-notta"][0]) / 7 for side in ("nnunet", "segengine")}
gb = lambda b: f"{b / 1e9:.2f} GB"
rows = [
    ("without mirroring (1 pass), wall", f"{r['segengine-notta'][0]:.1f} s", f"{r['nnunet-notta'][0]:.1f} s", r["segengine-notta"][0] / r["nnunet-notta"][0], "≤ 0.5"),
    ("with mirroring (8 passes), wall", f"{r['segengine-tta'][0]:.1f} s", f"{r['nnunet-tta'][0]:.1f} s", r["segengine-tta"][0] / r["nnunet-tta"][0], "≤ 0.6"),
    ("seconds per forward ((wall with − wall without) / 7)", f"{forward['segengine']:.2f} s", f"{forward['nnunet']:.2f} s", forward["segengine"] / forward["nnunet"], ""),
    ("peak RSS without mirroring", gb(r["segengine-notta"][1]), gb(r["nnunet-notta"][1]), r["segengine-notta"][1] / r["nnunet-notta"][1], "≤ 1"),
    ("peak RSS with mirroring", gb(r["segengine-tta"][1]), gb(r["nnunet-tta"][1]), r["segengine-tta"][1] / r["nnunet-tta"][1], "≤ 1"),
]
lines = [
    "", "### Side by side with nnU-Net 2.8.1's own predictor (`perf/scripts/side_by_side_nnunet.sh`)", "",
    f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {cpu}, {cores} cores, commit {commit}. One CT of exactly one patch "
    "(96×160×160 at the plans' spacing) through a synthetic ResEnc M 3d_fullres (102 M parameters, 14 classes, random "
    "weights, plans read through NibabelIO on both sides); each side its own process, one after the other, timed by "
    "`/usr/bin/time` (wall, max RSS). nnU-Net on Debian's torch 1.13 (CPU, `-npp 0 -nps 0`); SegEngine `predict -device cpu`, "
    "the first run with no memory record beside the model (a new user's first start).", "",
    "| | SegEngine | nnU-Net | ratio | target |", "|---|---:|---:|---:|---|",
]
lines += [f"| {name} | {ours} | {theirs} | {ratio:.2f} | {target} |" for name, ours, theirs, ratio, target in rows]
loads = {name: " → ".join(open(f"{work}/{name}.load").read().split()) for name in r}
lines.append("\nLoad average (1 min) before → after each run, on " + str(cores) + " cores (above that, other work shared the cores): "
             + "; ".join(f"{name} {load}" for name, load in loads.items()) + ".")
for mode, report in reports.items():
    p = report["pipeline"]
    lines.append(f"\nSegEngine {'with' if mode == 'tta' else 'without'} mirroring: model load {p['model_load_seconds']:.2f} s, "
                 f"planned peak {gb(p['planned_peak_bytes'])}, measured peak {gb(report['totals']['peak_memory_bytes'])} "
                 f"(planned / measured {p['planned_peak_bytes'] / report['totals']['peak_memory_bytes']:.2f}).")
with open(markdown, "a") as out:
    out.write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
