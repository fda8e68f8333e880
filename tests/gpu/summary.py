#!/usr/bin/env python3
"""Per-tile timings from `segengine predict --report` files, and the GPU memory peak from an nvidia-smi log.

usage: summary.py [--memory MEMORY_LOG] [--expect-device cuda] REPORT.json...

For each report: the device, the cases, tiles, network runs (tiles × mirror passes) and the network seconds per
run and per tile, beside the other stages. Exits 1 when a report ran on another device than --expect-device or a
case failed.
"""
import json
import sys


def main():
    args = sys.argv[1:]
    memory = expect = None
    if "--memory" in args:
        memory = args.pop(args.index("--memory") + 1)
        args.remove("--memory")
    if "--expect-device" in args:
        expect = args.pop(args.index("--expect-device") + 1)
        args.remove("--expect-device")
    ok = True
    print(f"{'report':28s} {'device':6s} {'tf32':5s} {'cases':>5s} {'tiles':>5s} {'runs':>5s} {'ms/run':>8s} {'ms/tile':>8s} "
          f"{'network s':>9s} {'aggr s':>7s} {'export s':>8s} {'wall s':>7s}")
    for path in args:
        report = json.load(open(path))
        runtime, settings = report["onnx_runtime"], report["settings"]
        passes = 2 ** len(settings["mirror_axes"]) if settings["use_mirroring"] else 1
        cases = [c for c in report["cases"] if c["status"] == "succeeded"]
        failed = [c for c in report["cases"] if c["status"] == "failed"]
        tiles = sum(c.get("tiles", 0) for c in cases)
        runs = tiles * passes
        network = sum(c["seconds"]["network"] for c in cases)
        aggregation = sum(c["seconds"]["aggregation"] for c in cases)
        export = sum(c["seconds"]["export"] for c in cases)
        name = path.rsplit("/", 1)[-1]
        print(f"{name:28s} {runtime['device']:6s} {str(runtime['use_tf32']).lower():5s} {len(cases):5d} {tiles:5d} {runs:5d} "
              f"{1000 * network / max(runs, 1):8.1f} {1000 * network / max(tiles, 1):8.1f} {network:9.3f} {aggregation:7.3f} "
              f"{export:8.3f} {report['wall_seconds']:7.2f}")
        if failed or (expect and runtime["device"] != expect):
            print(f"  FAILED: device {runtime['device']} (expected {expect}), {len(failed)} failed case(s)")
            ok = False
    if memory:
        used = [int(line) for line in open(memory) if line.strip().isdigit()]
        if used:
            print(f"GPU memory used: baseline {used[0]} MiB, peak {max(used)} MiB (+{max(used) - used[0]} MiB), {len(used)} samples")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
