"""Write the Swift-vs-PyTorch check: a 64×64 normalised input and the logits of the
exported model (BN in eval mode, not folded — so the test also checks the folding).

    .venv-train/bin/python train/make_fixture.py Models/cellar-unet.pt Tests/CellarUNetTests/Fixtures

Files (raw little-endian float32): input_64x64.f32 (64·64), logits_3x64x64.f32 (3·64·64),
plus the model as a .safetensors copy is NOT written: the test reads Models/ directly.
"""
import sys
from pathlib import Path

import numpy as np
import torch

from unet import UNet, percentile_normalise
from train_unet import DATA, read_image


def main():
    state_path, out = sys.argv[1], Path(sys.argv[2])
    state = torch.load(state_path, map_location="cpu")
    base = state["enc.0.conv0.weight"].shape[0]
    levels = len({k.split(".")[1] for k in state if k.startswith("enc.")})
    model = UNet(base, levels, reduce=any(k.startswith("proj.") for k in state))
    model.load_state_dict(state)
    model.eval()
    torch.set_num_threads(1)
    # A 64×64 crop of a dev image with several nuclei (dsb_u2os_dev, first image).
    img = read_image(sorted((DATA / "dsb_u2os_dev" / "images").iterdir())[0])
    x = percentile_normalise(img)[200:264, 300:364].copy()
    with torch.no_grad():
        logits = model(torch.from_numpy(x)[None, None])[0].numpy()
    out.mkdir(parents=True, exist_ok=True)
    x.astype("<f4").tofile(out / "input_64x64.f32")
    logits.astype("<f4").tofile(out / "logits_3x64x64.f32")
    print("logit range", float(logits.min()), float(logits.max()))


if __name__ == "__main__":
    main()
