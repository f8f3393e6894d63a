"""Train ClassMood's expression model on FER2013 (PyTorch; ``pip install -e .[train]``).

Trains on the Training split only and selects checkpoints on PublicTest only (we never
see PrivateTest). Seeded, resumable, one JSON line per epoch, a progress bar, bf16
autocast on CPU (AMX) and CUDA when present::

    python -m classmood.models.train --data ../shared/data/fer2013 --out runs/resnet \\
        --arch resnet --width 32 --epochs 60
    python -m classmood.models.train --out runs/resnet --resume     # continue after a stop
    python -m classmood.models.train --out runs/t --epochs 300 --time-budget 600  # fit 10 min

Recipe (the published tricks): random affine (rotation, scale, shift), horizontal flip,
random erasing, brightness/contrast jitter, label smoothing, mixup/cutmix, SGD with
Nesterov momentum and a one-cycle schedule, flip test-time averaging. Distillation
(``--teacher``, ``--kd``): from served .tflite models (soft labels computed once) or from
.pt checkpoints (run on every augmented batch: best on a GPU). Each run writes
``run.json`` (settings, size, device), ``train_log.jsonl``, ``best.pt`` with its PublicTest
logits, and ``last.pt`` to resume from.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..labels import FER_CLASSES

from .preprocess import INPUT_SIZE, PIXEL_MEAN, PIXEL_STD

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:  # pragma: no cover - exercised only without the train extra
    torch = None

DATA_ENV = "CLASSMOOD_FER2013"


# --------------------------------------------------------------------------- models
def _conv_bn(cin: int, cout: int, stride: int = 1) -> "nn.Sequential":
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class BasicBlock(nn.Module if torch else object):
    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)), inplace=True)
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.short is None else self.short(x)), inplace=True)


class FerResNet(nn.Module if torch else object):
    """A ResNet-18-style network for 48x48 grayscale faces.

    Stem 3x3 at full resolution, four stages of ``blocks`` basic blocks (strides
    ``first_stride``, 2, 2, 2: with 1, 48 -> 48 -> 24 -> 12 -> 6; with 2, every stage works
    at half the size, 48 -> 24 -> 12 -> 6 -> 3, for a quarter of the multiply-adds), global
    average pooling, dropout, 7 logits. ``width`` is the first stage's channels (64 is
    ResNet-18's; 32 gives ~2.8M params).
    """

    def __init__(self, width: int = 32, num_classes: int = 7, dropout: float = 0.2,
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

    def forward(self, x):
        x = self.layers(self.stem(x))
        x = x.mean((2, 3))  # global average pool (no reshape: exports with a dynamic batch)
        return self.fc(self.drop(x))


class ServedModel(nn.Module if torch else object):
    """What ships: raw pixels float32 [N, 1, 48, 48] in 0..255 -> FER2013 logits [N, 7].

    Normalisation is inside the graph (a fixed 1x1 convolution with the training
    constants), so serving cannot drift from training. Only convolutions, adds, a mean
    and a linear layer: it converts to TFLite with a dynamic batch dimension.
    """

    def __init__(self, net: "nn.Module") -> None:
        super().__init__()
        self.norm = nn.Conv2d(1, 1, 1)
        with torch.no_grad():
            self.norm.weight.fill_(1.0 / PIXEL_STD)
            self.norm.bias.fill_(-PIXEL_MEAN / PIXEL_STD)
        self.norm.requires_grad_(False)
        self.net = net

    def forward(self, x):
        return self.net(self.norm(x))


ARCH_KEYS = ("arch", "width", "first_stride", "blocks")
"""The settings that define a network's shape (a checkpoint's or an export's config)."""


def build_model(arch: str, width: int, first_stride: int = 1, blocks: int = 2) -> "nn.Module":
    if arch == "resnet":
        return FerResNet(width=width, first_stride=first_stride, blocks=blocks)
    raise ValueError(f"unknown architecture {arch!r} (choose: resnet)")


def build_from(cfg: dict) -> "nn.Module":
    """The network a config describes (older configs lack the newer keys: their defaults)."""
    return build_model(**{k: cfg[k] for k in ARCH_KEYS if k in cfg})


def count_macs(net: "nn.Module", size: int = INPUT_SIZE) -> int:
    """Multiply-accumulates for one face (convolutions and the linear layer)."""
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


# --------------------------------------------------------------------------- data
def find_data(path: str | None) -> Path:
    if path:  # an explicit folder must be the right one: never fall back silently
        if not (Path(path) / "fer2013_train.npz").is_file():
            raise SystemExit(f"classmood train: error: {path}: no fer2013_train.npz there; "
                             "give --data DIR holding fer2013_train.npz and fer2013_publictest.npz")
        return Path(path)
    candidates = [os.environ.get(DATA_ENV),
                  str(Path(__file__).resolve().parents[3] / "shared" / "data" / "fer2013")]
    for c in candidates:
        if c and (Path(c) / "fer2013_train.npz").is_file():
            return Path(c)
    raise SystemExit(
        f"classmood train: error: FER2013 not found (looked in --data, ${DATA_ENV}, ../shared/data/fer2013); "
        "give --data DIR holding fer2013_train.npz and fer2013_publictest.npz"
    )


def load_split(folder: Path, name: str) -> tuple[np.ndarray, np.ndarray]:
    d = np.load(folder / f"fer2013_{name}.npz")
    return d["images"].astype(np.uint8), d["labels"].astype(np.int64)


def to_tensor(images: np.ndarray) -> "torch.Tensor":
    x = torch.from_numpy(images.astype(np.float32))
    return ((x - PIXEL_MEAN) / PIXEL_STD).unsqueeze(1)


def to_device(t: "torch.Tensor", device) -> "torch.Tensor":
    """A CPU tensor onto ``device`` without waiting for it: a plain copy to a GPU waits for
    all queued GPU work first, so a few small copies a step keep the CPU from running ahead
    (a short run is then bound by Python, not the GPU). From pinned memory the copy is queued."""
    device = torch.device(device)
    if t.device.type == device.type:
        return t
    if device.type == "cuda":
        t = t.pin_memory()
    return t.to(device, non_blocking=True)


def augment(x: "torch.Tensor", gen: "torch.Generator", cfg: "Config", size: int = INPUT_SIZE) -> "torch.Tensor":
    """Batched augmentation of normalised [B,1,48,48] tensors into [B,1,size,size] crops.

    One affine warp per image does rotation, scale, shift, flip and the random crop (a
    ``size`` window anywhere in the face: a smaller ``size`` trains on crops, cheaper and
    a regulariser; the network is fully convolutional so it is served at 48). The random
    numbers come from ``gen`` (a CPU generator, so a seed gives the same run on CPU and
    CUDA); the warp and the erasing run wherever ``x`` is.
    """
    b, dev = x.shape[0], x.device
    u = lambda *s: torch.rand(*s, generator=gen)  # noqa: E731
    ang = (u(b) * 2 - 1) * math.radians(cfg.rotate)
    scale = 1 + (u(b) * 2 - 1) * cfg.scale
    tx, ty = (u(b) * 2 - 1) * cfg.shift, (u(b) * 2 - 1) * cfg.shift
    flip = torch.where(u(b) < 0.5, -1.0, 1.0)
    frac = size / INPUT_SIZE
    room = 1 - frac  # how far the crop window may move, in grid units
    tx, ty = tx + (u(b) * 2 - 1) * room, ty + (u(b) * 2 - 1) * room
    cos, sin = torch.cos(ang) / scale * frac, torch.sin(ang) / scale * frac
    theta = torch.stack([torch.stack([cos * flip, -sin, tx], 1), torch.stack([sin * flip, cos, ty], 1)], 1)
    grid = F.affine_grid(to_device(theta, dev), (b, 1, size, size), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    # brightness / contrast jitter (in normalised units)
    x = (x * to_device(1 + (u(b, 1, 1, 1) * 2 - 1) * cfg.contrast, dev)
         + to_device((u(b, 1, 1, 1) * 2 - 1) * cfg.brightness, dev))
    # random erasing: a box of 2-22% of the area, aspect 1/3..3, filled with noise
    if cfg.erase > 0:
        on = u(b) < cfg.erase
        area = (0.02 + u(b) * 0.2) * size * size
        ar = torch.exp((u(b) * 2 - 1) * math.log(3))
        h = torch.sqrt(area * ar).round().clamp(max=size)
        w = torch.sqrt(area / ar).round().clamp(max=size)
        y0 = (u(b) * (size - h + 1)).floor()
        x0 = (u(b) * (size - w + 1)).floor()
        r = torch.arange(size, dtype=torch.float32)
        rows = (r[None] >= y0[:, None]) & (r[None] < (y0 + h)[:, None])
        cols = (r[None] >= x0[:, None]) & (r[None] < (x0 + w)[:, None])
        box = (rows[:, :, None] & cols[:, None, :] & on[:, None, None])[:, None]
        noise = torch.randn(b, 1, size, size, generator=gen)
        x = torch.where(to_device(box, dev), to_device(noise, dev), x)
    return x


def _state_dict_of(path: Path) -> dict:
    """Network weights from a training checkpoint (.pt) or an exported model (.npz)."""
    if path.suffix == ".npz":
        with np.load(path) as d:  # a ServedModel's state: the network under "net."
            return {k[4:]: torch.from_numpy(d[k]) for k in d.files if k.startswith("net.")}
    return torch.load(path, map_location="cpu", weights_only=False)["model"]


def init_from(model: "nn.Module", path: Path) -> tuple[int, int]:
    """Copy every same-named, same-shaped tensor of ``path``'s weights into ``model``."""
    if not path.is_file():
        raise SystemExit(f"classmood train: error: {path}: no such weights file for --init")
    src, own = _state_dict_of(path), model.state_dict()
    take = {k: v for k, v in src.items() if k in own and own[k].shape == v.shape}
    model.load_state_dict(take, strict=False)
    return len(take), len(own)


def teacher_paths(spec: str) -> list[Path]:
    """``--teacher`` names one model or an ensemble: paths joined by commas."""
    return [Path(p) for p in spec.split(",") if p.strip()]


TEACHER_KINDS = (".tflite", ".pt")
"""Served models (run by LiteRT: labels of the un-augmented faces, computed once) or training
checkpoints (run by PyTorch on every augmented batch, or once like the served ones)."""


def teacher_kind(spec: str) -> str:
    """``.tflite`` or ``.pt``: every teacher of an ensemble must be the same kind."""
    kinds = {p.suffix for p in teacher_paths(spec)}
    if len(kinds) != 1 or not kinds <= set(TEACHER_KINDS):
        raise SystemExit(f"classmood train: error: --teacher {spec}: give .tflite files (exported by "
                         "classmood.models.export) or .pt checkpoints (classmood train's best.pt), one kind")
    return kinds.pop()


def load_teachers(spec: str, device, fmt=None) -> list:
    """Checkpoint teachers (.pt), frozen in eval mode on ``device``."""
    nets = []
    for p in teacher_paths(spec):
        if not p.is_file():
            raise SystemExit(f"classmood train: error: {p}: no such teacher checkpoint for --teacher")
        state = torch.load(p, map_location="cpu", weights_only=False)
        net = build_from(state["config"])
        net.load_state_dict(state["model"])
        nets.append(net.to(device).to(memory_format=fmt or torch.contiguous_format).eval().requires_grad_(False))
    return nets


def flip_pair_logits(nets: list, x: "torch.Tensor", bf16: bool) -> tuple["torch.Tensor", "torch.Tensor"]:
    """An ensemble's logits (the mean over models) of the faces and of their mirror images."""
    with torch.no_grad(), torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=bf16):
        both = torch.cat([x, torch.flip(x, dims=[3])])
        out = sum(net(both).float() for net in nets) / len(nets)
    return out[: len(x)], out[len(x):]


def ensemble_logits(nets: list, x: "torch.Tensor", bf16: bool) -> "torch.Tensor":
    """Flip-averaged logits of an ensemble (the mean over models and both flips)."""
    plain, mirrored = flip_pair_logits(nets, x, bf16)
    return (plain + mirrored) / 2


def teacher_targets(spec: str, images: np.ndarray, out: Path, temp: float) -> "torch.Tensor":
    """The teacher's softened, flip-averaged probabilities for every training face.

    The teacher is a served model (.tflite, run by LiteRT: fast, and exactly what
    shipped), a checkpoint (.pt, run by PyTorch) or an ensemble of either (their logits
    averaged); its labels are computed once per run and cached in ``out``. Targets come
    from the un-augmented face: the augmentations are small enough to keep the label.
    Another run with the same teachers can reuse the cache (copy both files: the teachers'
    folder and file names are recorded beside it and checked).
    """
    cache, note = out / "teacher_logits.npy", out / "teacher_logits.json"
    paths = teacher_paths(spec)
    names = [f"{p.parent.name}/{p.name}" for p in paths]  # a checkpoint is best.pt: its run names it
    if cache.exists():  # computed by an earlier piece of this run, or copied from a run with the same teachers
        logits = np.load(cache)
        said = json.loads(note.read_text()).get("teachers") if note.exists() else None
        if said is not None and said != names:
            raise SystemExit(f"classmood train: error: {cache} holds the labels of {', '.join(said)}, not of "
                             f"--teacher {spec}; delete it (and {note.name}) to compute them")
        if logits.shape != (len(images), len(FER_CLASSES)):
            raise SystemExit(f"classmood train: error: {cache}: labels for {logits.shape[0]} faces, the training "
                             f"split has {len(images)}; delete it to compute them")
    else:
        for p in paths:
            if not p.is_file():
                raise SystemExit(f"classmood train: error: {p}: no such teacher model for --teacher "
                                 "(give .tflite files exported by classmood.models.export or .pt checkpoints)")
        t0 = time.time()
        if teacher_kind(spec) == ".pt":
            dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
            nets, x = load_teachers(spec, dev), to_tensor(images)
            logits = torch.cat([ensemble_logits(nets, x[i : i + 512].to(dev), fast_bf16(dev)).cpu()
                                for i in range(0, len(x), 512)]).numpy()
        else:
            from .emotion import EmotionClassifier

            threads = max(1, torch.get_num_threads())
            logits = np.mean([EmotionClassifier(p, threads=threads, flip_average=True).logits(images)
                              for p in paths], axis=0)
        np.save(cache, logits)
        note.write_text(json.dumps({"teachers": names, "faces": len(images)}) + "\n")
        print(f"teacher {', '.join(names)}: soft labels for {len(images)} faces "
              f"in {time.time() - t0:.0f} s", flush=True)
    return torch.softmax(torch.from_numpy(logits).float() / temp, 1)


# --------------------------------------------------------------------------- training
@dataclass
class Config:
    arch: str = "resnet"
    width: int = 32
    first_stride: int = 1       # 2: every stage at half the size (a quarter of the work)
    blocks: int = 2             # basic blocks per stage
    epochs: int = 60
    batch: int = 128
    lr: float = 0.1
    weight_decay: float = 5e-4
    label_smoothing: float = 0.1
    mixup: float = 0.2          # alpha; 0 turns mixup/cutmix off
    mix_prob: float = 0.5
    rotate: float = 15.0        # degrees
    scale: float = 0.12
    shift: float = 0.12         # fraction of half-size (affine grid units)
    brightness: float = 0.25
    contrast: float = 0.25
    erase: float = 0.4
    crop: int = 40              # train on random crops of this size (cheaper; served at 48)
    full_epochs: int = 8        # ...except the last epochs, at the full 48x48
    seed: int = 0
    bf16: bool | None = None    # None: on when the hardware does bf16 fast (CUDA, AMX or AVX512-BF16)
    threads: int = 0            # 0: torch default
    init: str = ""              # start from these weights (.pt checkpoint or exported .npz; same-shaped tensors)
    teacher: str = ""           # distil from served models (.tflite, comma-separated): flip-averaged soft labels
    kd: float = 0.0             # weight of the distillation loss (0: off)
    kd_temp: float = 2.0        # softening temperature for distillation
    kd_online: bool | None = None  # .pt teachers run on every augmented batch (None: on a GPU only)
    time_budget: float = 0.0    # seconds for this run (or piece): the schedule shrinks to fit; 0: none
    select: str = "flip"        # keep the epoch best on PublicTest flip-averaged ("flip") or as served ("served")


SELECT = {"flip": "accuracy", "served": "accuracy_served"}
"""``--select``: which PublicTest accuracy picks best.pt (flip-averaged, or one pass as the
product serves it); the log has both."""


def fast_bf16(device) -> bool:
    """bf16 autocast pays only where the hardware has bf16 matrix units; elsewhere
    (e.g. AVX2-only CPUs) it is several times slower than fp32."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def memory_format(width: int):
    """Channels-last runs convolutions ~2x faster on CPU, but oneDNN's backward crashes
    (bus error) on 4-channel layers, so very narrow test-size networks stay NCHW."""
    return torch.channels_last if width >= 8 else torch.contiguous_format


def evaluate(model, x: "torch.Tensor", y: "torch.Tensor", device, bf16: bool, batch: int = 512,
             fmt=None) -> dict:
    """Accuracy with horizontal-flip averaging, and as served (one pass, no mirror image);
    also the flip-averaged logits (for calibration)."""
    model.eval()
    pairs = [flip_pair_logits([model], x[i : i + batch].to(device).contiguous(memory_format=fmt or torch.channels_last),
                              bf16) for i in range(0, len(x), batch)]
    plain = torch.cat([p.cpu() for p, _ in pairs])
    logits = (plain + torch.cat([m.cpu() for _, m in pairs])) / 2
    pred = logits.argmax(1)
    acc = (pred == y).float().mean().item()
    acc_served = (plain.argmax(1) == y).float().mean().item()
    k = len(FER_CLASSES)
    conf = torch.zeros(k, k, dtype=torch.long)
    conf.index_put_((y, pred), torch.ones_like(y), accumulate=True)
    recall = conf.diag().float() / conf.sum(1).clamp(min=1)
    precision = conf.diag().float() / conf.sum(0).clamp(min=1)
    f1 = 2 * precision * recall / (precision + recall).clamp(min=1e-9)
    return {"accuracy": acc, "accuracy_served": acc_served, "macro_f1": f1.mean().item(), "logits": logits,
            "confusion": conf.tolist()}


RESUME_OVERRIDES = ("threads", "epochs", "full_epochs", "time_budget")
"""Settings that may change when a run is resumed: the threads (the machine's load
changed) and the schedule's length or time (the time left changed). Everything else is
the checkpoint's."""


def one_cycle(opt, cfg: "Config", steps: int, done: int = 0):
    """The one-cycle schedule over ``cfg.epochs``, advanced by ``done`` steps (a re-plan:
    the same shape over a new length, from where the run is)."""
    import warnings

    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, epochs=cfg.epochs, steps_per_epoch=steps,
                                                pct_start=0.15, div_factor=10, final_div_factor=1000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(done):
            sched.step()
    return sched


def full_size_cost(cfg: "Config") -> float:
    """What a full 48x48 epoch costs in crop-size epochs (the pixels per face)."""
    return (INPUT_SIZE / cfg.crop) ** 2


def epochs_that_fit(cfg: "Config", done: int, seconds_left: float, per_epoch: float) -> int:
    """How many epochs the schedule can have in all when ``done`` are done, an epoch at
    the crop size takes ``per_epoch`` s and ``seconds_left`` remain (full-size epochs cost
    (48/crop)^2 as much; 3% kept spare). Never more than planned, never fewer than done+1."""
    ratio = full_size_cost(cfg)
    for total in range(cfg.epochs, done, -1):
        n = total - done
        full = min(cfg.full_epochs, n)
        if per_epoch * ((n - full) + full * ratio) <= 0.97 * seconds_left:
            return total
    return done + 1


def train(cfg: Config, data: Path, out: Path, resume: bool, stop_after: int | None = None,
          overrides: dict | None = None) -> dict:
    """Train (or continue) a run in ``out``; ``stop_after`` ends this piece after that
    epoch (the schedule still spans ``cfg.epochs``; ``--resume`` continues it).
    ``overrides`` (resume only): new values for :data:`RESUME_OVERRIDES`; a new
    ``epochs`` re-plans the one-cycle schedule from the current step. With a
    ``time_budget`` the schedule is re-planned shorter, from the measured epoch time,
    whenever the planned epochs would not fit."""
    t_run = time.time()
    out.mkdir(parents=True, exist_ok=True)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    ckpt_path = out / "last.pt"
    log_path = out / "train_log.jsonl"
    if resume and ckpt_path.exists():
        state = torch.load(ckpt_path, map_location="cpu", weights_only=False)
        saved = Config(**state["config"])
        cfg = Config(**{**asdict(saved), **{k: v for k, v in (overrides or {}).items() if k in RESUME_OVERRIDES}})
        if cfg.epochs <= state["epoch"] + 1:
            raise SystemExit(f"classmood train: error: --epochs {cfg.epochs}: the run already did "
                             f"{state['epoch'] + 1} epochs; give more")
        replan = cfg.epochs != saved.epochs
    elif resume:
        raise SystemExit(f"classmood train: error: {ckpt_path}: no checkpoint to resume from")
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)

    xtr_u8, ytr_np = load_split(data, "train")
    xva_u8, yva_np = load_split(data, "publictest")
    xtr, ytr = to_tensor(xtr_u8).to(device), torch.from_numpy(ytr_np).to(device)
    xva, yva = to_tensor(xva_u8).to(device), torch.from_numpy(yva_np)

    fmt = memory_format(cfg.width)
    model = build_from(asdict(cfg))
    macs = count_macs(model)
    if cfg.init and not resume:
        n, total = init_from(model, Path(cfg.init))
        print(f"initialised {n} of {total} tensors from {cfg.init}")
    model = model.to(device).to(memory_format=fmt)
    bf16 = fast_bf16(device) if cfg.bf16 is None else cfg.bf16
    soft, teachers = None, []
    if cfg.kd > 0:  # checkpoint teachers on a GPU: run on every batch; otherwise labels computed once
        online = device.type == "cuda" if cfg.kd_online is None else cfg.kd_online
        if teacher_kind(cfg.teacher) == ".pt" and online:
            teachers = load_teachers(cfg.teacher, device, fmt)
        else:
            soft = teacher_targets(cfg.teacher, xtr_u8, out, cfg.kd_temp).to(device)
        print(f"distilling from {cfg.teacher}: " + ("on every augmented batch" if teachers else
              "soft labels of the un-augmented faces"), flush=True)
    params = sum(p.numel() for p in model.parameters())
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": cfg.weight_decay},
                           {"params": no_decay, "weight_decay": 0.0}],
                          lr=cfg.lr, momentum=0.9, nesterov=True)
    steps = math.ceil(len(xtr) / cfg.batch)
    sched = one_cycle(opt, cfg, steps)
    start_epoch, best = 0, {"accuracy": 0.0}
    if resume:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        if replan:  # the same one-cycle shape over the new length, from where the run is
            sched = one_cycle(opt, cfg, steps, (state["epoch"] + 1) * steps)
            print(f"re-planned the schedule: {saved.epochs} -> {cfg.epochs} epochs "
                  f"(learning rate now {opt.param_groups[0]['lr']:.4f})")
        else:
            sched.load_state_dict(state["scheduler"])
        gen.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        start_epoch, best = state["epoch"] + 1, state["best"]
        print(f"resuming at epoch {start_epoch + 1}/{cfg.epochs} (best so far {best['accuracy']:.4f})")
    crit = nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing)
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover
        tqdm = None
    (out / "run.json").write_text(json.dumps(
        {"config": asdict(cfg), "parameters": params, "macs": macs, "device": str(device),
         "device_name": torch.cuda.get_device_name() if device.type == "cuda" else None,
         "bf16": bf16, "torch": torch.__version__}, indent=1) + "\n")
    print(f"{cfg.arch} width {cfg.width}/{cfg.first_stride}/{cfg.blocks}: {params:,} parameters, "
          f"{macs / 1e6:.1f}M multiply-adds; {len(xtr)} train, {len(xva)} PublicTest; "
          f"device {device}, bf16 {bf16}", flush=True)
    crop_cost = []  # seconds per epoch, in crop-size epochs (for the time budget)
    epoch = start_epoch
    while epoch < cfg.epochs:
        model.train()
        t0 = time.time()
        size = INPUT_SIZE if epoch >= cfg.epochs - cfg.full_epochs else cfg.crop
        perm = to_device(torch.randperm(len(xtr), generator=gen), device)
        it = range(steps)
        bar = it  # a bar on a terminal; a log file gets the JSON lines only
        if tqdm and sys.stderr.isatty():
            bar = tqdm(it, desc=f"epoch {epoch + 1}/{cfg.epochs}", leave=False, file=sys.stderr)
        tot_loss, seen = torch.zeros((), device=device), 0  # summed on the device: no wait a step
        for s in bar:
            idx = perm[s * cfg.batch : (s + 1) * cfg.batch]
            xb = augment(xtr[idx], gen, cfg, size)
            yb = ytr[idx]
            lam, yb2, j = 1.0, yb, None
            if cfg.mixup > 0 and torch.rand(1, generator=gen).item() < cfg.mix_prob:
                lam = float(np.random.default_rng(int(torch.randint(0, 2**31, (1,), generator=gen))).beta(cfg.mixup, cfg.mixup))
                j = to_device(torch.randperm(len(idx), generator=gen), device)
                yb2 = yb[j]
                if torch.rand(1, generator=gen).item() < 0.5:  # mixup
                    xb = lam * xb + (1 - lam) * xb[j]
                else:  # cutmix
                    cut = math.sqrt(1 - lam)
                    ch, cw = int(size * cut), int(size * cut)
                    cy, cx = int(torch.randint(0, size, (1,), generator=gen)), int(torch.randint(0, size, (1,), generator=gen))
                    y0, y1 = max(cy - ch // 2, 0), min(cy + ch // 2, size)
                    x0, x1 = max(cx - cw // 2, 0), min(cx + cw // 2, size)
                    xb[:, :, y0:y1, x0:x1] = xb[j][:, :, y0:y1, x0:x1]
                    lam = 1 - (y1 - y0) * (x1 - x0) / (size * size)
            xb = xb.contiguous(memory_format=fmt)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                logits = model(xb)
            logits = logits.float()
            loss = lam * crit(logits, yb) + (1 - lam) * crit(logits, yb2)
            if teachers:  # distillation on the very (augmented, mixed) view the student sees
                target = torch.softmax(ensemble_logits(teachers, xb, bf16) / cfg.kd_temp, 1)
            elif soft is not None:  # distillation: the teacher's labels of the faces, mixed like the labels
                j_idx = idx if j is None else idx[j]
                target = lam * soft[idx] + (1 - lam) * soft[j_idx]
            if teachers or soft is not None:
                kl = F.kl_div(F.log_softmax(logits / cfg.kd_temp, 1), target, reduction="batchmean")
                loss = (1 - cfg.kd) * loss + cfg.kd * kl * cfg.kd_temp ** 2
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            tot_loss += loss.detach() * len(idx)
            seen += len(idx)
            if bar is not it and (s % 20 == 0 or s == steps - 1):
                bar.set_postfix(loss=f"{tot_loss.item() / seen:.3f}")
        ev = evaluate(model, xva, yva, device, bf16, fmt=fmt)
        rec = {"epoch": epoch + 1, "train_loss": round(tot_loss.item() / seen, 4),
               "publictest_acc": round(ev["accuracy"], 4), "publictest_acc_served": round(ev["accuracy_served"], 4),
               "publictest_macro_f1": round(ev["macro_f1"], 4),
               "lr": round(sched.get_last_lr()[0], 6), "size": size, "seconds": round(time.time() - t0, 1)}
        with open(log_path, "a") as f:
            f.write(json.dumps(rec) + "\n")
        print(json.dumps(rec), flush=True)
        key = SELECT[cfg.select]
        if ev[key] > best.get(key, 0.0):  # (a checkpoint of an older version lacks the served figure)
            best = {"accuracy": ev["accuracy"], "accuracy_served": ev["accuracy_served"],
                    "macro_f1": ev["macro_f1"], "epoch": epoch + 1, "select": cfg.select}
            torch.save({"model": model.state_dict(), "config": asdict(cfg), "best": best}, out / "best.pt")
            np.save(out / "best_publictest_logits.npy", ev["logits"].numpy())
        if cfg.time_budget > 0:
            crop_cost.append((time.time() - t0) / (full_size_cost(cfg) if size == INPUT_SIZE else 1))
        if len(crop_cost) > 1:  # the piece's first epoch warms up: timed from the second on
            per = float(np.mean(crop_cost[1:]))
            fit = epochs_that_fit(cfg, epoch + 1, cfg.time_budget - (time.time() - t_run), per)
            if fit < cfg.epochs:
                cfg = Config(**{**asdict(cfg), "epochs": fit, "full_epochs": min(cfg.full_epochs, fit)})
                sched = one_cycle(opt, cfg, steps, (epoch + 1) * steps)
                print(f"time budget: the schedule now ends at epoch {fit} (an epoch takes ~{per:.1f} s)", flush=True)
        state = {"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                 "generator": gen.get_state(), "torch_rng": torch.get_rng_state(), "epoch": epoch,
                 "best": best, "config": asdict(cfg)}
        torch.save(state, out / "last.tmp")
        os.replace(out / "last.tmp", ckpt_path)  # atomic: a kill never leaves a torn checkpoint
        epoch += 1
        if stop_after is not None and epoch >= stop_after and epoch < cfg.epochs:
            print(f"stopped after epoch {epoch} of {cfg.epochs}; continue with --resume")
            break
    return best


def _yes(s: str) -> bool:
    return s.lower() in ("1", "true", "yes", "on")


def main(argv: list[str] | None = None) -> int:
    if torch is None:
        print("classmood train: error: PyTorch is not installed; run: pip install -e '.[train]'", file=sys.stderr)
        return 2
    ap = argparse.ArgumentParser(prog="classmood train", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help=f"folder with fer2013_train.npz and fer2013_publictest.npz (or ${DATA_ENV})")
    ap.add_argument("--out", type=Path, default=Path("runs/fer"), help="checkpoints and log (default runs/fer)")
    ap.add_argument("--resume", action="store_true",
                    help="continue from OUT/last.pt (its settings win, except --threads, --epochs, "
                    "--full-epochs and --time-budget when given: a new --epochs re-plans the schedule "
                    "from where the run is)")
    ap.add_argument("--stop-after", type=int, metavar="EPOCH",
                    help="end this piece after EPOCH (a long schedule in pieces; then --resume)")
    defaults = Config()
    for k, v in asdict(defaults).items():
        if k == "bf16":
            ap.add_argument("--bf16", type=_yes, default=None,
                            help="bf16 autocast (default: auto, on where the hardware does it fast)")
        elif k == "kd_online":
            ap.add_argument("--kd-online", type=_yes, default=None,
                            help=".pt teachers run on every augmented batch (default: on a GPU; else their "
                            "labels of the un-augmented faces, computed once)")
        else:
            ap.add_argument(f"--{k.replace('_', '-')}", type=type(v), default=v)
    args = ap.parse_args(argv)
    cfg = Config(**{k: getattr(args, k) for k in asdict(defaults)})
    if not 0 <= cfg.kd <= 1 or (cfg.kd > 0) != bool(cfg.teacher.strip()):
        raise SystemExit(f"classmood train: error: --kd {cfg.kd} with --teacher {cfg.teacher or '(none)'}: "
                         "distillation needs both, --kd between 0 and 1 and --teacher MODEL.tflite[,...] "
                         "or --teacher best.pt[,...]")
    if cfg.teacher.strip():
        teacher_kind(cfg.teacher)
    if cfg.select not in SELECT:
        raise SystemExit(f"classmood train: error: --select {cfg.select}: choose {' or '.join(SELECT)}")
    if cfg.time_budget < 0:
        raise SystemExit(f"classmood train: error: --time-budget {cfg.time_budget}: give seconds (> 0), or 0 for none")
    argv = list(sys.argv[1:] if argv is None else argv)
    given = {k: getattr(args, k) for k in RESUME_OVERRIDES
             if any(a == f"--{k.replace('_', '-')}" or a.startswith(f"--{k.replace('_', '-')}=") for a in argv)}
    best = train(cfg, find_data(args.data), args.out, args.resume, args.stop_after, overrides=given)
    served = f", {best['accuracy_served']:.4f} as served" if "accuracy_served" in best else ""
    print(f"best PublicTest accuracy {best['accuracy']:.4f} flip-averaged{served} at epoch {best.get('epoch')} "
          f"(kept by {best.get('select', 'flip')}); checkpoints in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
