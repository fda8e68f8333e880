#!/usr/bin/env python3
"""Compares two `segengine predict --save_probabilities` output folders case by case (pure Python, no numpy).

usage: compare.py REFERENCE_DIR CANDIDATE_DIR [--max-prob-diff X] [--min-label-agreement F]

For every {case}.nii.gz in REFERENCE_DIR: the fraction of voxels whose label agrees, and, where both folders have
{case}.npz, the largest absolute difference of the probabilities. Prints one line per case and exits 1 when a
threshold given on the command line is not met (or a case is missing), so it can gate a script.
"""
import array
import ast
import gzip
import os
import struct
import sys
import zipfile

NIFTI_TYPES = {2: "B", 4: "h", 8: "i", 16: "f", 256: "b", 512: "H", 768: "I"}


def nifti_labels(path):
    data = gzip.open(path, "rb").read() if path.endswith(".gz") else open(path, "rb").read()
    (sizeof_hdr,) = struct.unpack_from("<i", data, 0)
    endian = "<" if sizeof_hdr == 348 else ">"
    dims = struct.unpack_from(endian + "8h", data, 40)
    (datatype,) = struct.unpack_from(endian + "h", data, 70)
    (vox_offset,) = struct.unpack_from(endian + "f", data, 108)
    count = 1
    for d in dims[1:dims[0] + 1]:
        count *= d
    values = array.array(NIFTI_TYPES[datatype])
    values.frombytes(data[int(vox_offset):int(vox_offset) + count * values.itemsize])
    if endian == ">":
        values.byteswap()
    return values


def npz_probabilities(path):
    with zipfile.ZipFile(path) as archive:
        raw = archive.read("probabilities.npy")
    header_length = struct.unpack_from("<H", raw, 8)[0] if raw[6] == 1 else struct.unpack_from("<I", raw, 8)[0]
    start = 10 if raw[6] == 1 else 12
    header = ast.literal_eval(raw[start:start + header_length].decode("latin1"))
    descr = header["descr"]
    body = raw[start + header_length:]
    if descr == "<f4":
        values = array.array("f")
        values.frombytes(body)
        return values
    if descr == "<f2":
        return [v[0] for v in struct.iter_unpack("<e", body)]
    raise ValueError(f"{path}: unexpected dtype {descr}")


def main():
    reference, candidate = sys.argv[1], sys.argv[2]
    max_prob = float(sys.argv[sys.argv.index("--max-prob-diff") + 1]) if "--max-prob-diff" in sys.argv else None
    min_agree = float(sys.argv[sys.argv.index("--min-label-agreement") + 1]) if "--min-label-agreement" in sys.argv else None
    cases = sorted(f[:-len(".nii.gz")] for f in os.listdir(reference) if f.endswith(".nii.gz"))
    ok = bool(cases)
    for case in cases:
        other = os.path.join(candidate, case + ".nii.gz")
        if not os.path.exists(other):
            print(f"{case}: missing in {candidate}")
            ok = False
            continue
        a, b = nifti_labels(os.path.join(reference, case + ".nii.gz")), nifti_labels(other)
        agree = sum(1 for x, y in zip(a, b) if x == y) / len(a) if len(a) == len(b) else 0.0
        line = f"{case}: labels agree on {agree:.6%} of {len(a)} voxels"
        ok &= min_agree is None or agree >= min_agree
        npz_a, npz_b = os.path.join(reference, case + ".npz"), os.path.join(candidate, case + ".npz")
        if os.path.exists(npz_a) and os.path.exists(npz_b):
            pa, pb = npz_probabilities(npz_a), npz_probabilities(npz_b)
            diff = max(abs(x - y) for x, y in zip(pa, pb)) if len(pa) == len(pb) else float("inf")
            line += f", probabilities max |diff| {diff:.3g}"
            ok &= max_prob is None or diff <= max_prob
        print(line)
    print("compare: " + ("OK" if ok else "FAILED") + f" ({reference} vs {candidate})")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
