#!/usr/bin/python3
"""Checks that figures are real images, not empty pages: every PNG exists, is larger than 5 kB,
decodes, and is neither one colour nor almost all background; SVG and PDF files exist, are
larger than 5 kB and start like their format. Usage: check_figures.py DIR NAME... [--formats png,svg,pdf]
Exits non-zero, printing each problem with the measured value, if any check fails."""
import os
import sys

import matplotlib.image as mpimg
import numpy as np


def check_png(path, problems):
    size = os.path.getsize(path)
    if size <= 5000:
        problems.append(f"{path}: {size} bytes, expected > 5000")
    img = mpimg.imread(path)
    rgb = (np.asarray(img)[..., :3] * 255).round().astype(np.int32)
    flat = rgb.reshape(-1, 3)
    colours = len(np.unique(flat[:, 0] * 65536 + flat[:, 1] * 256 + flat[:, 2]))
    background = np.median(flat, axis=0)
    ink = np.mean(np.any(np.abs(flat - background) > 30, axis=1))
    if colours < 8:
        problems.append(f"{path}: {colours} distinct colours, expected >= 8")
    if ink < 0.01:
        problems.append(f"{path}: {ink:.4f} of pixels differ from the background, expected >= 0.01")
    h, w = rgb.shape[:2]
    print(f"{path}: {size} bytes, {w}x{h}, {colours} colours, {ink:.3f} inked")


def main():
    args = sys.argv[1:]
    formats = ["png", "svg"]
    if "--formats" in args:
        i = args.index("--formats")
        formats = args[i + 1].split(",")
        del args[i:i + 2]
    folder, names = args[0], args[1:]
    problems = []
    magic = {"svg": b"<?xml", "pdf": b"%PDF"}
    for name in names:
        for ext in formats:
            path = os.path.join(folder, f"{name}.{ext}")
            if not os.path.exists(path):
                problems.append(f"{path}: missing")
                continue
            if ext == "png":
                check_png(path, problems)
                continue
            size = os.path.getsize(path)
            with open(path, "rb") as f:
                head = f.read(64)
            if size <= 5000:
                problems.append(f"{path}: {size} bytes, expected > 5000")
            if not head.startswith(magic[ext]):
                problems.append(f"{path}: starts with {head[:8]!r}, expected {magic[ext]!r}")
    for p in problems:
        print("FAIL:", p)
    print(f"check_figures: {len(names) * len(formats)} files, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
