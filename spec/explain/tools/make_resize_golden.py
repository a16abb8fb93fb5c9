#!/usr/bin/python3
"""Writes golden/resize-11-28.json and golden/resize-26-28.json with real OpenCV.

Run from the repository root with Debian's python3-opencv / python3-numpy:
    /usr/bin/python3 spec/explain/tools/make_resize_golden.py
The inputs are float32 images from a fixed numpy seed plus two hand-made ones (a one-hot pixel
at each corner region and a ramp), so the golden test covers interior and edge taps. The
expected outputs are cv2.resize(img, (28, 28)) (INTER_LINEAR, the default), exactly as
pytorch-grad-cam calls it; they are independent of the project's code.
"""
import json
import sys

import cv2
import numpy as np


def case(src, dst):
    rng = np.random.default_rng(20240611 + src)
    images = [rng.random((src, src), dtype=np.float32) for _ in range(3)]
    corners = np.zeros((src, src), dtype=np.float32)
    corners[0, 0] = 1.0
    corners[src - 1, src - 1] = 0.75
    corners[0, src - 1] = 0.5
    corners[src // 2, 1] = 0.25
    images.append(corners)
    images.append(np.add.outer(np.arange(src), 2 * np.arange(src)).astype(np.float32) / np.float32(3 * (src - 1)))
    outputs = [cv2.resize(img, (dst, dst)) for img in images]
    assert all(o.dtype == np.float32 and o.shape == (dst, dst) for o in outputs)
    return {
        "kind": "resize",
        "source": f"cv2.resize(img, ({dst}, {dst})) default INTER_LINEAR, OpenCV {cv2.__version__} "
                  f"(Debian python3-opencv), numpy {np.__version__}, Python {sys.version.split()[0]}; "
                  "written by spec/explain/tools/make_resize_golden.py",
        "description": f"{len(images)} float32 images {src}x{src} -> {dst}x{dst}: 3 uniform random (numpy seed), "
                       "a sparse one with corner/edge pixels, a ramp.",
        "src": src,
        "dst": dst,
        "inputs": {"shape": [len(images), src, src], "data": [float(v) for img in images for v in img.ravel()]},
        "want": {"shape": [len(images), dst, dst], "data": [float(v) for o in outputs for v in o.ravel()]},
    }


for src in (11, 26):
    with open(f"golden/resize-{src}-28.json", "w") as f:
        json.dump(case(src, 28), f, indent=None)
        f.write("\n")
