"""Train the Cellar nuclei U-Net on CPU and export it as safetensors (batch norm folded).

Reproducible: fixed seeds, one thread, a fixed number of steps. Usage (from the package root):

    .venv-train/bin/python train/train_unet.py --synthetic /tmp/unet-synth/T \
        --reduce --steps 14000 --validate-every 1000 --out Models/cellar-unet.safetensors

Training data: ../shared/data/dsb_train_256 (334 DSB2018 fluorescence fields) plus the
synthetic fields given by --synthetic (`cellar synth` output; labels in <dir>_groundtruth).
Validation (model selection only): 256² centre crops of the dev sets dsb_u2os_dev,
ctc_hela, stardist_dsb_crop, ctc_gowt1 — never used for training.
"""
import argparse
import json
import os
import random
import time
from pathlib import Path

import numpy as np
import tifffile
import torch
import torch.nn.functional as F
from PIL import Image

from unet import UNet, folded_tensors, percentile_normalise

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
DEV_SETS = ["dsb_u2os_dev", "ctc_hela", "stardist_dsb_crop", "ctc_gowt1"]


def read_image(path):
    path = str(path)
    if path.lower().endswith((".tif", ".tiff")):
        a = tifffile.imread(path)
    else:
        a = np.asarray(Image.open(path))
    if a.ndim == 3:
        a = a[..., 0]
    return a


def load_pairs(images_dir, labels_dir):
    labels = {p.stem: p for p in Path(labels_dir).iterdir() if not p.name.startswith(".")}
    pairs = []
    for p in sorted(Path(images_dir).iterdir()):
        if p.stem in labels:
            img = percentile_normalise(read_image(p))
            lab = read_image(labels[p.stem]).astype(np.int32)
            pairs.append((img, lab))
    return pairs


def classes_from_instances(lab):
    """0 background, 1 interior, 2 boundary: object pixels with a 3×3 neighbour of
    another label (including background)."""
    h, w = lab.shape
    p = np.pad(lab, 1, mode="edge")
    edge = np.zeros(lab.shape, dtype=bool)
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            edge |= p[dy:dy + h, dx:dx + w] != lab
    cls = np.where(lab > 0, 1, 0).astype(np.int64)
    cls[(lab > 0) & edge] = 2
    return cls


def augment(img, lab, crop, rng):
    """Random scale (0.6–2×), crop, flips, 90° rotations, gamma, intensity scale, noise."""
    h, w = img.shape
    s = float(np.exp(rng.uniform(np.log(0.6), np.log(2.0))))
    c = int(round(crop / s))
    if c > min(h, w):   # pad small images (reflect) so the crop fits
        py, px = max(0, c - h), max(0, c - w)
        img = np.pad(img, ((0, py), (0, px)), mode="reflect")
        lab = np.pad(lab, ((0, py), (0, px)), mode="constant")
        h, w = img.shape
    y, x = rng.integers(0, h - c + 1), rng.integers(0, w - c + 1)
    ti = torch.from_numpy(np.ascontiguousarray(img[y:y + c, x:x + c]))[None, None]
    tl = torch.from_numpy(np.ascontiguousarray(lab[y:y + c, x:x + c]).astype(np.float32))[None, None]
    if c != crop:
        ti = F.interpolate(ti, size=(crop, crop), mode="bilinear", align_corners=False)
        tl = F.interpolate(tl, size=(crop, crop), mode="nearest")
    img = ti[0, 0].numpy()
    lab = tl[0, 0].numpy().astype(np.int32)
    k = int(rng.integers(0, 4))
    img, lab = np.rot90(img, k), np.rot90(lab, k)
    if rng.random() < 0.5:
        img, lab = img[:, ::-1], lab[:, ::-1]
    cls = classes_from_instances(lab)
    # Intensity: gamma on the 0–1 range, then scale/offset, then Gaussian noise.
    img = np.clip(img, 0, None) ** rng.uniform(0.6, 1.6)
    img = img * rng.uniform(0.7, 1.3) + rng.uniform(-0.1, 0.1)
    img = img + rng.normal(0, rng.uniform(0, 0.06), img.shape)
    return np.ascontiguousarray(img, dtype=np.float32), cls


def centre_crop(img, lab, size=256):
    h, w = img.shape
    s = min(size, h, w)
    y, x = (h - s) // 2, (w - s) // 2
    return img[y:y + s, x:x + s], lab[y:y + s, x:x + s]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--synthetic", action="append", default=[],
                    help="folder of `cellar synth` fields (labels in <folder>_groundtruth); repeatable")
    ap.add_argument("--steps", type=int, default=14000)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--base", type=int, default=8)
    ap.add_argument("--levels", type=int, default=4)
    ap.add_argument("--reduce", action="store_true", help="1×1 projection before each upsampling")
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--boundary-weight", type=float, default=10.0)
    ap.add_argument("--validate-every", type=int, default=500)
    ap.add_argument("--seed", type=int, default=2018)
    ap.add_argument("--out", default=str(ROOT / "Models" / "cellar-unet.safetensors"))
    ap.add_argument("--state", default="/tmp/cellar-unet.pt", help="unfolded PyTorch state (for make_fixture.py)")
    ap.add_argument("--log", default=None, help="write the training log (JSON lines) here")
    args = ap.parse_args()

    torch.set_num_threads(1)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    train = load_pairs(DATA / "dsb_train_256" / "images", DATA / "dsb_train_256" / "labels")
    n_dsb = len(train)
    for d in args.synthetic:
        train += load_pairs(d, d.rstrip("/") + "_groundtruth")
    print(f"training fields: {n_dsb} DSB + {len(train) - n_dsb} synthetic", flush=True)
    val = []
    for name in DEV_SETS:
        for img, lab in load_pairs(DATA / name / "images", DATA / name / "labels"):
            ci, cl = centre_crop(img, lab)
            val.append((name, torch.from_numpy(np.ascontiguousarray(ci))[None, None],
                        torch.from_numpy(classes_from_instances(cl))[None]))

    model = UNet(args.base, args.levels, args.reduce)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"U-Net base {args.base}, {args.levels} levels: {n_params} parameters", flush=True)
    weight = torch.tensor([1.0, 1.0, args.boundary_weight])
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps, pct_start=0.05)
    # Sample DSB and synthetic fields 3:1 when both are present.
    weights = np.array([3.0 / n_dsb] * n_dsb + [1.0 / max(1, len(train) - n_dsb)] * (len(train) - n_dsb))
    weights /= weights.sum()
    log = open(args.log, "w") if args.log else None
    best, best_state, started = float("inf"), None, time.time()
    running = 0.0
    for step in range(1, args.steps + 1):
        model.train()
        idx = rng.choice(len(train), size=args.batch, p=weights)
        batch = [augment(*train[i], args.crop, rng) for i in idx]
        x = torch.from_numpy(np.stack([b[0] for b in batch]))[:, None]
        y = torch.from_numpy(np.stack([b[1] for b in batch]))
        loss = F.cross_entropy(model(x), y, weight=weight)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        running += loss.item()
        if step % args.validate_every == 0 or step == args.steps:
            model.eval()
            per_set = {}
            with torch.no_grad():
                for name, vx, vy in val:
                    vl = F.cross_entropy(model(vx), vy, weight=weight).item()
                    per_set.setdefault(name, []).append(vl)
            per_set = {k: float(np.mean(v)) for k, v in per_set.items()}
            vloss = float(np.mean(list(per_set.values())))
            rec = {"step": step, "train_loss": running / args.validate_every, "val_loss": vloss,
                   "val": per_set, "minutes": (time.time() - started) / 60}
            print(json.dumps(rec), flush=True)
            if log:
                log.write(json.dumps(rec) + "\n"); log.flush()
            running = 0.0
            if vloss < best:
                best = vloss
                best_state = {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    model.eval()
    torch.save(best_state, args.state)
    minutes = (time.time() - started) / 60
    meta = {"architecture": "unet", "base": str(args.base), "levels": str(args.levels), "reduce": str(args.reduce),
            "classes": "background,interior,boundary", "input": "percentile 1-99.8 -> 0-1",
            "parameters": str(n_params), "steps": str(args.steps), "batch": str(args.batch),
            "crop": str(args.crop), "boundary_weight": str(args.boundary_weight),
            "seed": str(args.seed), "train_minutes": f"{minutes:.1f}", "best_val_loss": f"{best:.4f}"}
    write_safetensors(args.out, folded_tensors(model), meta)
    print(f"wrote {args.out} after {minutes:.1f} min (best val loss {best:.4f})", flush=True)


def write_safetensors(path, tensors, metadata):
    """safetensors: u64 LE header length, JSON header, then raw little-endian data."""
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name in sorted(tensors):
        data = tensors[name].numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "wb") as f:
        f.write(len(raw).to_bytes(8, "little"))
        f.write(raw)
        for b in blobs:
            f.write(b)


if __name__ == "__main__":
    main()
