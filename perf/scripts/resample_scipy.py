"""The resample benchmark through SciPy/skimage, as nnU-Net 2.8.1's resample_data_or_seg does it.

Usage (Debian interpreter; numpy 1.24.2, scipy 1.10.1, skimage 0.19.3):
  /usr/bin/time -v /usr/bin/python3 perf/scripts/resample_scipy.py cubic [z y x]
  /usr/bin/time -v /usr/bin/python3 perf/scripts/resample_scipy.py separate [z y x [dump_prefix]]
Same synthetic volume and spacings as `dotnet run -c Release --project perf/SegEngine.Perf -- resample`.
"""
import resource
import sys
import time

import numpy as np
from scipy.ndimage import map_coordinates
from skimage.transform import resize


def ct_like(shape):
    """Built slice by slice, so the generator's temporaries stay small next to the resampling's own peak."""
    out = np.empty(shape, dtype=np.float32)
    y, x = np.meshgrid(np.arange(shape[1], dtype=np.int64), np.arange(shape[2], dtype=np.int64), indexing='ij')
    dy = 2 * y - shape[1]
    dx = 2 * x - shape[2]
    r2 = 100 * (dx * dx + dy * dy)
    edge = shape[2] * shape[2]
    for z in range(shape[0]):
        value = np.where(r2 > 81 * edge, -1000, 40 + (x + 2 * y + 3 * z) % 300)
        value = np.where((r2 < 9 * edge) & ((x + y + z) % 7 == 0), 1200, value)
        flat = (z * shape[1] + y) * shape[2] + x
        hash_ = ((flat & 0xFFFFFFFF) * 2654435761) & 0xFFFFFFFF
        out[z] = value + (hash_ >> 27) - 16
    return out


def new_shape(shape, current, target):
    return [int(round(c / t * s)) for c, t, s in zip(current, target, shape)]


def main():
    which = sys.argv[1]
    if which == 'cubic':
        shape, current = (300, 512, 512), (0.7, 0.7, 0.7)
    else:
        shape, current = (60, 512, 512), (5.0, 0.7, 0.7)
    if len(sys.argv) > 4:
        shape = tuple(int(v) for v in sys.argv[2:5])
    data = ct_like(shape)[None]
    out_shape = new_shape(shape, current, (1.5, 1.5, 1.5))
    start = time.perf_counter()
    cpu_start = time.process_time()
    d = data.astype(float)  # nnU-Net's full float64 copy
    if which == 'cubic':
        result = resize(d[0], out_shape, 3, mode='edge', anti_aliasing=False).astype(np.float32)
    else:
        here = np.zeros((shape[0], out_shape[1], out_shape[2]))
        for s in range(shape[0]):
            here[s] = resize(d[0, s], out_shape[1:], 3, mode='edge', anti_aliasing=False)
        rows, cols, dim = out_shape
        scale = [float(o) / n for o, n in zip(here.shape, out_shape)]
        grid = np.mgrid[:rows, :cols, :dim]
        coords = np.array([scale[i] * (grid[i] + 0.5) - 0.5 for i in range(3)])
        result = map_coordinates(here, coords, order=0, mode='nearest').astype(np.float32)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    if len(sys.argv) > 5:
        result.tofile(sys.argv[5] + '.' + which + '.f32')
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f'peak RSS {base / 1024:.0f} MiB (input {data.nbytes / 2**20:.0f} MiB)')
    print(f'{which}: {shape} -> {tuple(out_shape)}: {elapsed:.2f} s wall, {cpu:.2f} s CPU, checksum {float(result.astype(np.float64).sum())!r}')


if __name__ == '__main__':
    main()
