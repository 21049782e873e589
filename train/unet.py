"""The U-Net shared by training, export and the fixture writer.

Encoder–decoder U-Net (Ronneberger et al. 2015; three-class variant of Caicedo et al.
2019): per level two 3×3 convolutions, each followed by batch norm and ReLU; 2×2 max
pooling down; bilinear ×2 upsampling up; skip connections by concatenation; a final
1×1 convolution to three classes (background, nucleus interior, nucleus boundary).
Softmax is applied by the loss (training) and by the consumer (inference).

Widths: `base · 2^level` for levels 0 … levels−1 (the last one is the bottleneck).

`reduce=True` (the shipped model) projects the lower level to the skip's width with a linear
1×1 convolution before upsampling (it commutes with bilinear upsampling, so it runs at the low
resolution): each decoder's first 3×3 convolution then takes 2·w instead of 3·w channels,
one sixth fewer multiply–adds in total.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CLASSES = 3


class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv0 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn0 = nn.BatchNorm2d(cout)
        self.conv1 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)

    def forward(self, x):
        x = F.relu(self.bn0(self.conv0(x)))
        return F.relu(self.bn1(self.conv1(x)))


class UNet(nn.Module):
    def __init__(self, base=8, levels=4, reduce=False):
        super().__init__()
        self.base, self.levels, self.reduce = base, levels, reduce
        widths = [base * 2 ** i for i in range(levels)]
        self.enc = nn.ModuleList()
        cin = 1
        for w in widths:
            self.enc.append(Block(cin, w))
            cin = w
        self.dec = nn.ModuleList()
        self.proj = nn.ModuleList()
        for i in reversed(range(levels - 1)):   # dec[0] is the deepest decoder level
            up = widths[i] if reduce else widths[i + 1]
            if reduce:
                self.proj.append(nn.Conv2d(widths[i + 1], widths[i], 1))
            self.dec.append(Block(up + widths[i], widths[i]))
        self.head = nn.Conv2d(widths[0], CLASSES, 1)

    def forward(self, x):
        skips = []
        for i, block in enumerate(self.enc):
            if i > 0:
                x = F.max_pool2d(x, 2)
            x = block(x)
            skips.append(x)
        skips.pop()
        for d, block in enumerate(self.dec):
            if self.reduce:
                x = self.proj[d](x)
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
            x = block(torch.cat([x, skips.pop()], dim=1))
        return self.head(x)


def folded_tensors(model):
    """Float32 tensors with batch norm folded into the preceding convolution.

    Names: `enc.<level>.conv<k>.weight|bias`, `dec.<k>.conv<k>.weight|bias` (dec.0 the
    deepest), `head.weight|bias`; weights [Cout, Cin, kh, kw] as in PyTorch.
    """
    out = {}

    def fold(prefix, conv, bn):
        scale = bn.weight.detach().double() / torch.sqrt(bn.running_var.double() + bn.eps)
        w = conv.weight.detach().double() * scale[:, None, None, None]
        b = bn.bias.detach().double() - bn.running_mean.double() * scale
        out[prefix + ".weight"] = w.float().contiguous()
        out[prefix + ".bias"] = b.float().contiguous()

    for name, blocks in (("enc", model.enc), ("dec", model.dec)):
        for i, blk in enumerate(blocks):
            fold(f"{name}.{i}.conv0", blk.conv0, blk.bn0)
            fold(f"{name}.{i}.conv1", blk.conv1, blk.bn1)
    for i, proj in enumerate(model.proj):
        out[f"dec.{i}.reduce.weight"] = proj.weight.detach().float().contiguous()
        out[f"dec.{i}.reduce.bias"] = proj.bias.detach().float().contiguous()
    out["head.weight"] = model.head.weight.detach().float().contiguous()
    out["head.bias"] = model.head.bias.detach().float().contiguous()
    return out


def percentile_normalise(image, low=1.0, high=99.8):
    """Per-image percentile scaling: the `low`th percentile → 0, the `high`th → 1.

    Percentiles (linear interpolation) of a strided sample of at most 2^16 pixels so the
    Swift side computes the same numbers cheaply (stride = ceil(n / 65536), from pixel 0).
    """
    flat = np.asarray(image, dtype=np.float32).ravel()
    stride = max(1, -(-flat.size // 65536))
    sample = np.sort(flat[::stride])
    lo, hi = (np.float32(_pct(sample, q)) for q in (low, high))
    scale = np.float32(1.0) / max(hi - lo, np.float32(1e-6))
    return ((np.asarray(image, dtype=np.float32) - lo) * scale).astype(np.float32)


def _pct(sorted_values, q):
    pos = (len(sorted_values) - 1) * q / 100.0
    i = int(np.floor(pos))
    j = min(i + 1, len(sorted_values) - 1)
    t = pos - i
    return float(sorted_values[i]) * (1 - t) + float(sorted_values[j]) * t
