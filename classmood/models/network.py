"""The expression network in PyTorch: what training fits and what export converts.

:class:`FerResNet` maps normalised faces float32 ``[N, 1, 48, 48]`` to FER2013 logits
``[N, 7]``; :class:`ServedModel` wraps it with the normalisation inside the graph, so the
shipped file takes raw pixels. Needs the train extra (``pip install -e '.[train]'``).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..labels import FER_CLASSES
from .preprocess import INPUT_SIZE, PIXEL_MEAN, PIXEL_STD

ARCH_KEYS = ("arch", "width", "first_stride", "blocks")
"""The settings that define a network's shape (a checkpoint's or an export's config)."""


def _conv_bn(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    """3x3 convolution, batch norm, ReLU."""
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class BasicBlock(nn.Module):
    """ResNet's basic block: two 3x3 convolutions and a shortcut (a strided 1x1
    convolution where the size or the channels change).

    Args:
        cin: input channels.
        cout: output channels.
        stride: 1 keeps the size; 2 halves height and width.
    """

    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """float32 ``[N, cin, H, W]`` -> ``[N, cout, H / stride, W / stride]``."""
        y = F.relu(self.bn1(self.conv1(x)), inplace=True)
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.short is None else self.short(x)), inplace=True)


class FerResNet(nn.Module):
    """A ResNet-18-style network for 48x48 grayscale faces.

    Stem 3x3 at full resolution, four stages of ``blocks`` basic blocks (strides
    ``first_stride``, 2, 2, 2: with 1, 48 -> 48 -> 24 -> 12 -> 6; with 2, every stage works
    at half the size, 48 -> 24 -> 12 -> 6 -> 3, for a quarter of the multiply-adds), global
    average pooling, dropout, 7 logits. ``width`` is the first stage's channels (64 is
    ResNet-18's; 32 gives ~2.8M params).

    Args:
        width: channels of the first stage (then 2x, 4x, 8x).
        num_classes: logits out (FER2013's 7).
        dropout: dropout before the linear layer, in training.
        first_stride: 1 or 2, the first stage's stride.
        blocks: basic blocks per stage.
    """

    def __init__(self, width: int = 32, num_classes: int = len(FER_CLASSES), dropout: float = 0.2,
                 first_stride: int = 1, blocks: int = 2) -> None:
        super().__init__()
        w = [width, width * 2, width * 4, width * 8]
        self.stem = _conv_bn(1, w[0])
        layers, cin = [], w[0]
        for i, cout in enumerate(w):
            stride = first_stride if i == 0 else 2
            layers += [BasicBlock(cin, cout, stride)] + [BasicBlock(cout, cout, 1) for _ in range(blocks - 1)]
            cin = cout
        self.layers = nn.Sequential(*layers)
        self.drop = nn.Dropout(dropout)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Normalised faces float32 ``[N, 1, H, W]`` (48x48 served, smaller crops in
        training) -> logits float32 ``[N, 7]``."""
        x = self.layers(self.stem(x))
        x = x.mean((2, 3))  # global average pool (no reshape: exports with a dynamic batch)
        return self.fc(self.drop(x))


class ServedModel(nn.Module):
    """What ships: raw pixels float32 [N, 1, 48, 48] in 0..255 -> FER2013 logits [N, 7].

    Normalisation is inside the graph (a fixed 1x1 convolution with the training
    constants), so serving cannot drift from training. Only convolutions, adds, a mean
    and a linear layer: it converts to TFLite with a dynamic batch dimension.

    Args:
        net: the trained network (normalised faces in, logits out).
    """

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.norm = nn.Conv2d(1, 1, 1)
        with torch.no_grad():
            self.norm.weight.fill_(1.0 / PIXEL_STD)
            self.norm.bias.fill_(-PIXEL_MEAN / PIXEL_STD)
        self.norm.requires_grad_(False)
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Raw pixels float32 ``[N, 1, 48, 48]`` (0..255) -> logits float32 ``[N, 7]``."""
        return self.net(self.norm(x))


def build_model(arch: str, width: int, first_stride: int = 1, blocks: int = 2) -> nn.Module:
    """A freshly initialised network of the given shape.

    Args:
        arch: the architecture; only ``"resnet"`` (:class:`FerResNet`).
        width, first_stride, blocks: as :class:`FerResNet` takes them.

    Raises:
        ValueError: for an unknown ``arch``.
    """
    if arch == "resnet":
        return FerResNet(width=width, first_stride=first_stride, blocks=blocks)
    raise ValueError(f"unknown architecture {arch!r} (choose: resnet)")


def build_from(cfg: dict) -> nn.Module:
    """The network a config describes (its :data:`ARCH_KEYS`; older configs lack the
    newer keys: their defaults)."""
    return build_model(**{k: cfg[k] for k in ARCH_KEYS if k in cfg})


def count_macs(net: nn.Module, size: int = INPUT_SIZE) -> int:
    """Multiply-accumulates for one ``size`` x ``size`` face (convolutions and the linear
    layer), counted by running one zero face through ``net`` in eval mode."""
    total = 0

    def hook(mod, inp, out):
        nonlocal total
        if isinstance(mod, nn.Conv2d):
            k = mod.kernel_size[0] * mod.kernel_size[1] * (mod.in_channels // mod.groups)
            total += out.numel() // out.shape[0] * k
        elif isinstance(mod, nn.Linear):
            total += mod.in_features * mod.out_features

    hooks = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    was = net.training
    net.eval()
    with torch.no_grad():
        net(torch.zeros(1, 1, size, size))
    net.train(was)
    for h in hooks:
        h.remove()
    return total
