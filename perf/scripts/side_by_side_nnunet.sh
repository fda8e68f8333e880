#!/usr/bin/env bash
# SegEngine and nnU-Net 2.8.1's own predictor side by side on one case of exactly one patch of a synthetic ResEnc M
# 3d_fullres (102 M parameters, patch 96×160×160, 14 classes, random weights), with and without mirroring, one process
# after the other, each timed by /usr/bin/time. Appends a table (wall time, seconds per forward, peak RSS, ratios,
# the CPU) to perf/results/network-history.md.
#   perf/scripts/side_by_side_nnunet.sh [WORK_DIR]        (default /tmp/segengine-side-by-side; the model is reused)
# Needs a Release build and nnU-Net's reference predictor with Debian's python3-torch (/work/shared/nnunet-reference,
# or NNUNET_REFERENCE=DIR). Run it alone on the machine: it takes about 8 minutes on 2 cores.
set -euo pipefail
# shellcheck source=perf/scripts/side_by_side_setup.sh
source "$(dirname "$0")/side_by_side_setup.sh"

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

/usr/bin/python3 - "$work" "$repo/perf/results/network-history.md" "$(git rev-parse --short=12 HEAD)" "$repo" <<'PY'
import json, sys, time
work, markdown, commit, repo = sys.argv[1:]
def run(name):
    wall, rss = open(f"{work}/{name}.time").read().split()
    return float(wall), int(rss) * 1024
sys.path.insert(0, f"{repo}/perf/scripts")
from machine import cpu_description
cpu = cpu_description()
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
    f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {cpu}, commit {commit}. One CT of exactly one patch "
    "(96×160×160 at the plans' spacing) through a synthetic ResEnc M 3d_fullres (102 M parameters, 14 classes, random "
    "weights, plans read through NibabelIO on both sides); each side its own process, one after the other, timed by "
    "`/usr/bin/time` (wall, max RSS). nnU-Net on Debian's torch 1.13 (CPU, `-npp 0 -nps 0`); SegEngine `predict -device cpu`, "
    "the first run with no memory record beside the model (a new user's first start).", "",
    "| | SegEngine | nnU-Net | ratio | target |", "|---|---:|---:|---:|---|",
]
lines += [f"| {name} | {ours} | {theirs} | {ratio:.2f} | {target} |" for name, ours, theirs, ratio, target in rows]
loads = {name: " → ".join(open(f"{work}/{name}.load").read().split()) for name in r}
lines.append("\nLoad average (1 min) before → after each run (above the core count, other work shared the cores): "
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
