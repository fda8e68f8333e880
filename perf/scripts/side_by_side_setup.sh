# Sourced by the side-by-side scripts (their first argument is the work folder): moves to the repository root and sets
# $repo, $work, $reference and $segengine; makes the synthetic ResEnc M model both predictors read (once, then reused)
# and the one-patch case; defines time_run.
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
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

