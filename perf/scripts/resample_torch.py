"""The torch cases of `perf/run resample torch` through torch's own F.interpolate, as nnU-Net's
resample_torch_fornnunet calls it (Debian's python3-torch, CPU). Prints the wall time of each.
Usage: /usr/bin/python3 perf/scripts/resample_torch.py [threads]   (default: torch's own thread count)"""
import sys
import time

import numpy as np
import torch
from torch.nn import functional as F

if len(sys.argv) > 1:
    torch.set_num_threads(int(sys.argv[1]))
rng = np.random.default_rng(0)


def case(title, shape, new_shape, channels_last, separate):
    data = torch.from_numpy((rng.standard_normal((1, *shape)) * 100).astype(np.float32))
    if not channels_last:
        # Two channels take torch's NCDHW kernel; time one channel's share.
        data = torch.cat([data, data])
    start = time.perf_counter()
    with torch.no_grad():
        if separate:
            planes = F.interpolate(data.reshape(1, -1, *shape[1:]), new_shape[1:], mode='bilinear', antialias=False)
            F.interpolate(planes.reshape(1, data.shape[0], shape[0], *new_shape[1:]), new_shape, mode='nearest-exact')
        else:
            F.interpolate(data[None], new_shape, mode='trilinear', antialias=False)
    seconds = (time.perf_counter() - start) / data.shape[0]
    print(f'{title}: {shape} -> {new_shape}: {seconds:.2f} s wall per channel, torch threads {torch.get_num_threads()}')


case('torch trilinear 0.7 mm -> 1.5 mm, channels-last kernel', (300, 512, 512), (140, 239, 239), True, False)
case('torch trilinear 0.7 mm -> 1.5 mm, NCDHW kernel', (300, 512, 512), (140, 239, 239), False, False)
case('torch separate-z 5 mm slices -> 1.5 mm', (60, 512, 512), (200, 239, 239), False, True)
