#!/usr/bin/env python3
"""Writes the synthetic part of Cellar's test corpus (run from the package root):

    .venv/bin/python Tests/Corpus/make_synthetic.py Tests/Corpus

* synthetic_offset16/  a 16-bit field with a camera offset (~33000 ADU, the kind of
  image a sCMOS camera writes): every pixel far from 0, so a threshold correction that
  multiplies the threshold instead of working relative to the background fails on it.
* synthetic_large8/    an 8-bit field of large nuclei (diameter ~60 px) with dark
  nucleoli, low dynamic range (max < 256, most signal below 120).
* formats/synth16_*    the offset16 field (cropped to 384 x 512) in the TIFF/PNG
  variants readers meet, and their rows of formats/FILES.tsv.

These replace the Cell Tracking Challenge frames (redistribution terms unclear) that
the tests used for the same properties. Deterministic for a
given numpy: the committed files are the reference, this script their provenance.
"""
import hashlib
import os
import sys

import numpy as np
import tifffile
from PIL import Image
from scipy import ndimage


def ellipse_field(rng, h, w, count, radius, aspect, gap):
    """Non-overlapping ellipses (a gap of `gap` px): label image 1..n and their parameters."""
    labels = np.zeros((h, w), np.uint16)
    yy, xx = np.mgrid[0:h, 0:w]
    placed = []
    tries = 0
    while len(placed) < count and tries < 20000:
        tries += 1
        r = rng.uniform(*radius)
        q = rng.uniform(*aspect)
        a, b = r / np.sqrt(q), r * np.sqrt(q)
        cx, cy = rng.uniform(a, w - a), rng.uniform(a, h - a)
        if any(np.hypot(cx - px, cy - py) < a + pa + gap for px, py, pa in placed):
            continue
        t = rng.uniform(0, np.pi)
        dx, dy = xx - cx, yy - cy
        u = dx * np.cos(t) + dy * np.sin(t)
        v = -dx * np.sin(t) + dy * np.cos(t)
        inside = (u / a) ** 2 + (v / b) ** 2 <= 1
        placed.append((cx, cy, a))
        labels[inside] = len(placed)
    return labels, placed


def render(rng, labels, placed, peak, background, psf, nucleoli=None):
    """Electrons per pixel: per-nucleus brightness × texture (× dark nucleoli), blurred, + background."""
    h, w = labels.shape
    signal = np.zeros((h, w))
    n = int(labels.max())
    gains = rng.lognormal(0, 0.25, n + 1)
    texture = 1 + 0.15 * ndimage.gaussian_filter(rng.normal(0, 1, (h, w)), 1.5) / 0.2
    signal = np.where(labels > 0, peak * gains[labels] * texture, 0.0)
    if nucleoli:
        yy, xx = np.mgrid[0:h, 0:w]
        for k, (cx, cy, a) in enumerate(placed, start=1):
            for _ in range(rng.integers(nucleoli[0], nucleoli[1] + 1)):
                rr = rng.uniform(0, 0.5 * a)
                ang = rng.uniform(0, 2 * np.pi)
                nx, ny = cx + rr * np.cos(ang), cy + rr * np.sin(ang)
                nr = rng.uniform(3, 6)
                hole = ((xx - nx) ** 2 + (yy - ny) ** 2 <= nr * nr) & (labels == k)
                signal[hole] *= 1 - rng.uniform(0.5, 0.8)
    signal = ndimage.gaussian_filter(signal, psf)
    ramp = np.linspace(0.8, 1.2, w)[None, :]
    return rng.poisson(np.maximum(signal + background * ramp, 0)).astype(np.float64)


def write_set(root, name, stem, image, labels):
    for sub in ("images", "labels"):
        os.makedirs(f"{root}/{name}/{sub}", exist_ok=True)
    tifffile.imwrite(f"{root}/{name}/images/{stem}.tif", image)
    Image.fromarray(labels.astype(np.uint16)).save(f"{root}/{name}/labels/{stem}.png")
    with open(f"{root}/{name}/samples.tsv", "w") as f:
        f.write("id\tshape_hxw\tdtype\tn_nuclei\n")
        f.write(f"{stem}\t{image.shape[0]}x{image.shape[1]}\t{image.dtype}\t{int(labels.max())}\n")


def main(root):
    rng = np.random.default_rng(20261203)

    # 16-bit, camera offset 33000 ADU, gain 1: values ~33000..37000 (like a sCMOS H2B-GFP field).
    labels, placed = ellipse_field(rng, 512, 704, 70, (9, 16), (0.55, 1.0), 2)
    e = render(rng, labels, placed, peak=2500, background=120, psf=1.6)
    offset16 = np.clip(33000 + e + rng.normal(0, 3, e.shape), 0, 65535).round().astype(np.uint16)
    write_set(root, "synthetic_offset16", "offset16", offset16, labels)

    # 8-bit, large nuclei with nucleoli, low dynamic range (like a confocal ES-cell field).
    labels8, placed8 = ellipse_field(rng, 512, 512, 14, (24, 34), (0.6, 1.0), 3)
    e8 = render(rng, labels8, placed8, peak=90, background=6, psf=2.0, nucleoli=(1, 4))
    large8 = np.clip(e8, 0, 255).round().astype(np.uint8)
    write_set(root, "synthetic_large8", "large8", large8, labels8)

    # formats/: a 384 x 512 crop of offset16 in every variant.
    img = offset16[:384, :512].copy()
    fmt = f"{root}/formats"
    os.makedirs(fmt, exist_ok=True)
    rows = []

    def row(name, array, note, sum_text=None):
        le = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        s = sum_text or str(int(array.astype(np.int64).sum()))
        rows.append(f"{name}\t{array.shape[0]}x{array.shape[1]}\t{array.dtype.name}\t{s}\t{hashlib.sha256(le).hexdigest()}\t{note}")

    variants = [
        ("synth16_none.tif", dict(), "16-bit, uncompressed, strips"),
        ("synth16_lzw.tif", dict(compression="lzw", rowsperstrip=256), "16-bit, LZW"),
        ("synth16_lzw_pred.tif", dict(compression="lzw", predictor=True, rowsperstrip=256), "16-bit, LZW + horizontal predictor"),
        ("synth16_deflate.tif", dict(compression="adobe_deflate", rowsperstrip=256), "16-bit, Deflate (Adobe)"),
        ("synth16_packbits.tif", dict(compression="packbits", rowsperstrip=256), "16-bit, PackBits"),
        ("synth16_tiled.tif", dict(compression="adobe_deflate", tile=(256, 256)), "16-bit, 256x256 tiles, Deflate"),
        ("synth16_bigendian.tif", dict(byteorder=">"), "16-bit, big-endian (MM) file"),
        ("synth16_bigtiff.tif", dict(bigtiff=True), "16-bit, BigTIFF"),
    ]
    for name, kw, note in variants:
        tifffile.imwrite(f"{fmt}/{name}", img, photometric="minisblack", **kw)
        row(name, img, note)
    planes = np.stack([img, img[::-1, :], img[:, ::-1]])
    tifffile.imwrite(f"{fmt}/synth16_planar.tif", planes, photometric="rgb", planarconfig="separate")
    row("synth16_planar.tif", img, "3 samples, planar (PlanarConfiguration 2); sample 0 expected (sample 1 is flipped vertically, sample 2 horizontally)")
    f32 = ((img.astype(np.float64) - img.min()) / (img.max() - img.min())).astype(np.float32)
    tifffile.imwrite(f"{fmt}/synth_float32.tif", f32, photometric="minisblack")
    row("synth_float32.tif", f32, "32-bit float, sum printed with 6 significant digits", sum_text=f"{float(f32.astype(np.float64).sum()):.6e}")
    Image.fromarray(img).save(f"{fmt}/synth16_gray.png")
    row("synth16_gray.png", img, "16-bit gray PNG")
    with open(f"{fmt}/FILES.synthetic.tsv", "w") as f:
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Tests/Corpus")
