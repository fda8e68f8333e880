#!/usr/bin/env bash
# A five-fold model side by side: SegEngine and nnU-Net 2.8.1's own predictor on the one-patch case of
# side_by_side_nnunet.sh through the synthetic ResEnc M with its fold copied into fold_1..fold_4 (the same weights: the
# memory and time do not depend on them), without mirroring (MIRRORING=1: with it, as nnU-Net predicts by default),
# each timed by /usr/bin/time. With BASELINE=PATH (another build's segengine) that build runs too, for a before/after in
# the same run. Appends a table to perf/results/folds.md.
#   perf/scripts/folds_side_by_side.sh [WORK_DIR]        (default /tmp/segengine-side-by-side; the model is reused)
# Needs what side_by_side_nnunet.sh needs, and about 4 GB of disk for the copied folds; about 5 minutes on 2 cores
# without mirroring, 20 with it.
set -euo pipefail
# shellcheck source=perf/scripts/side_by_side_setup.sh
source "$(dirname "$0")/side_by_side_setup.sh"

for fold in 1 2 3 4; do
  mkdir -p "$model/fold_$fold"
  for file in checkpoint_final.pth model.onnx; do
    [ -f "$model/fold_$fold/$file" ] || cp "$model/fold_0/$file" "$model/fold_$fold/$file"
  done
done

export nnUNet_results=$results
folds=(-f 0 1 2 3 4)
mirroring=(--disable_tta)
[ "${MIRRORING:-0}" = 1 ] && mirroring=()
time_run nnunet-folds "$reference/nnunet-predict" -i "$work/in" -o "$work/out-nnunet-folds" -d 901 -p nnUNetResEncUNetMPlans -tr nnUNetTrainer \
  -c 3d_fullres "${folds[@]}" -device cpu -npp 0 -nps 0 --disable_progress_bar "${mirroring[@]}"
sides=(segengine-folds)
# Each build's first start: no memory record beside any fold.
rm -f "$model"/fold_*/*.segengine-memory.json
time_run segengine-folds "$segengine" predict -i "$work/in" -o "$work/out-segengine-folds" -m "$model" "${folds[@]}" -device cpu "${mirroring[@]}" \
  --report "$work/segengine-folds.json"
if [ -n "${BASELINE:-}" ]; then
  rm -f "$model"/fold_*/*.segengine-memory.json
  time_run baseline-folds "$BASELINE" predict -i "$work/in" -o "$work/out-baseline-folds" -m "$model" "${folds[@]}" -device cpu "${mirroring[@]}" \
    --report "$work/baseline-folds.json"
  sides+=(baseline-folds)
fi

/usr/bin/python3 - "$work" "$repo/perf/results/folds.md" "$(git rev-parse --short=12 HEAD)" "$repo" "${BASELINE:-}" "${MIRRORING:-0}" "${sides[@]}" <<'PY'
import json, sys, time
work, markdown, commit, repo, baseline, mirroring, *sides = sys.argv[1:]
flags = "-f 0 1 2 3 4" if mirroring == "1" else "-f 0 1 2 3 4 --disable_tta"
sys.path.insert(0, f"{repo}/perf/scripts")
from machine import cpu_description
def run(name):
    wall, rss = open(f"{work}/{name}.time").read().split()
    return float(wall), int(rss) * 1024
nnunet = run("nnunet-folds")
names = {"segengine-folds": f"SegEngine at {commit}", "baseline-folds": f"SegEngine, baseline `{baseline}`"}
lines = [
    "", f"### Five folds {'with' if mirroring == '1' else 'without'} mirroring (`perf/scripts/folds_side_by_side.sh`)", "",
    f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {cpu_description()}. The one-patch case of "
    "`side_by_side_nnunet.sh` through the synthetic ResEnc M 3d_fullres with fold_0 copied into fold_1..fold_4, "
    f"`{flags}`; each its own process, one after the other, timed by `/usr/bin/time`; SegEngine's "
    "runs start with no memory record.", "",
    "| | wall | peak RSS | wall / nnU-Net | peak / nnU-Net | model load | planned peak |", "|---|---:|---:|---:|---:|---:|---:|",
    f"| nnU-Net 2.8.1 | {nnunet[0]:.1f} s | {nnunet[1] / 1e9:.2f} GB | 1 | 1 | | |",
]
for side in sides:
    wall, rss = run(side)
    pipeline = json.load(open(f"{work}/{side}.json"))["pipeline"]
    lines.append(f"| {names[side]} | {wall:.1f} s | {rss / 1e9:.2f} GB | {wall / nnunet[0]:.2f} | {rss / nnunet[1]:.2f} | "
                 f"{pipeline['model_load_seconds']:.2f} s | {pipeline['planned_peak_bytes'] / 1e9:.2f} GB |")
loads = {name: " → ".join(open(f"{work}/{name}.load").read().split()) for name in ["nnunet-folds", *sides]}
lines.append("\nLoad average (1 min) before → after each run: " + "; ".join(f"{name} {load}" for name, load in loads.items()) + ".")
with open(markdown, "a") as out:
    out.write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
