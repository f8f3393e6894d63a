"""What a webcam does to a face, for training (``Config.degrade``), and the product's
per-face normalisation on a batch (``Config.standardize``).

The served pipeline is: the camera's frame (dim, noisy, blurred, JPEG-compressed, a mask
on the face) -> the aligned 48x48 uint8 face -> :func:`classmood.models.preprocess.standardize`
(brightness to FER2013's, contrast half-way) -> the graph (whose first layer normalises
pixels). Training follows it: :func:`degrade` works on the 48x48 face in grey levels
(0..255) and rounds to whole levels as the camera's 8 bits do, :func:`standardize` is the
very same per-face normalisation as the product's (equal to the numpy one to float
precision, tested), and only then the face is normalised and augmented (warp, crop,
jitter, erasing, mixing; :mod:`.augment`).

One degradation per chosen face (``Config.degrade`` is the chance a face gets one), an
even chance of each of :data:`KINDS`:

- ``dark``: brightness to 15-60% (a dim room, a webcam's fixed exposure) with Gaussian
  sensor noise of 1-6 grey levels on the dimmed face;
- ``blur``: Gaussian blur, sigma 0.5-1.5 px (focus, motion, a small face upscaled);
- ``jpeg``: a grayscale JPEG round trip at quality 30-80 (8x8 DCT, the standard luminance
  table scaled by the quality, as libjpeg does; chroma does not exist in gray);
- ``occlude``: a flat patch over the lower face, from between the eyes and the nose tip
  (rows 22-29 of 48; FER2013 puts the eyes at row ~19 and the mouth at ~37) to the chin,
  nearly ear to ear, narrowing to the chin, one random grey level with a soft vertical
  shade and a little noise (a surgical or cloth mask).

Every random number comes from the run's CPU generator (as in :mod:`.augment`); the
work runs wherever the batch is. A run with ``degrade`` 0 draws none, so it repeats an
older run exactly.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..preprocess import CONTRAST_POWER, FACE_MEAN, FACE_STD, INPUT_SIZE, MIN_FACE_STD, PIXEL_MEAN, PIXEL_STD
from .tensors import to_device

KINDS = ("dark", "blur", "jpeg", "occlude")
"""The degradations, in the order their random choice indexes them."""

DARK = (0.15, 0.60)       # brightness kept
NOISE = (1.0, 6.0)        # sensor noise, grey levels (standard deviation), on the dimmed face
BLUR = (0.5, 1.5)         # Gaussian sigma, pixels
JPEG_QUALITY = (30, 80)   # libjpeg quality, both ends included
MASK_TOP = (22.0, 29.0)   # the patch's upper edge, rows of 48

_LUMA_TABLE = torch.tensor([  # the JPEG standard's luminance quantisation table (Annex K)
    [16, 11, 10, 16, 24, 40, 51, 61], [12, 12, 14, 19, 26, 58, 60, 55],
    [14, 13, 16, 24, 40, 57, 69, 56], [14, 17, 22, 29, 51, 87, 80, 62],
    [18, 22, 37, 56, 68, 109, 103, 77], [24, 35, 55, 64, 81, 104, 113, 92],
    [49, 64, 78, 87, 103, 121, 120, 101], [72, 92, 95, 98, 112, 100, 103, 99]], dtype=torch.float32)


def _dct_matrix(n: int = 8) -> torch.Tensor:
    """The orthonormal DCT-II matrix ``[n, n]`` (rows: frequencies)."""
    k = torch.arange(n, dtype=torch.float64)[:, None]
    i = torch.arange(n, dtype=torch.float64)[None]
    m = torch.cos(math.pi * (2 * i + 1) * k / (2 * n)) * math.sqrt(2 / n)
    m[0] /= math.sqrt(2)
    return m.float()


_DCT = _dct_matrix()


def to_pixels(x: torch.Tensor) -> torch.Tensor:
    """Normalised faces (:func:`classmood.models.preprocess.normalize`) back to grey levels."""
    return x * PIXEL_STD + PIXEL_MEAN


def to_normalised(p: torch.Tensor) -> torch.Tensor:
    """Grey levels -> the graph's normalised input (as :func:`~classmood.models.preprocess.normalize`)."""
    return (p - PIXEL_MEAN) / PIXEL_STD


def standardize(p: torch.Tensor) -> torch.Tensor:
    """:func:`classmood.models.preprocess.standardize` on a batch of faces in grey levels
    float ``[B, 1, H, W]``: each face's mean to :data:`~classmood.models.preprocess.FACE_MEAN`,
    its contrast scaled by ``(FACE_STD / std) ** CONTRAST_POWER`` (std at least
    :data:`~classmood.models.preprocess.MIN_FACE_STD`), clipped to 0..255."""
    m = p.mean(dim=(-2, -1), keepdim=True)
    s = p.std(dim=(-2, -1), keepdim=True, unbiased=False).clamp(min=MIN_FACE_STD)
    return ((p - m) * (FACE_STD / s) ** CONTRAST_POWER + FACE_MEAN).clamp(0.0, 255.0)


def darken(p: torch.Tensor, level: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """Faces ``[n, 1, H, W]`` (grey levels) at ``level`` ``[n]`` of their brightness plus
    ``noise`` (the sensor's, grey levels, same shape as ``p``)."""
    return p * level[:, None, None, None] + noise


def blur(p: torch.Tensor, sigma: torch.Tensor, radius: int = 4) -> torch.Tensor:
    """Gaussian blur of each face ``[n, 1, H, W]`` with its own ``sigma`` ``[n]`` (pixels),
    separable, edges reflected."""
    n = p.shape[0]
    r = torch.arange(-radius, radius + 1, dtype=p.dtype, device=p.device)
    k = torch.exp(-(r[None] ** 2) / (2 * sigma[:, None].to(p) ** 2))
    k = k / k.sum(1, keepdim=True)                                   # [n, 2r+1]
    x = F.pad(p.reshape(1, n, *p.shape[-2:]), (radius, radius, radius, radius), mode="reflect")
    x = F.conv2d(x, k[:, None, None, :], groups=n)                  # along rows
    x = F.conv2d(x, k[:, None, :, None], groups=n)                  # along columns
    return x.reshape(p.shape)


def jpeg_table(quality: torch.Tensor) -> torch.Tensor:
    """libjpeg's luminance quantisation tables ``[n, 8, 8]`` for ``quality`` ``[n]`` (1..100)."""
    q = quality.float().clamp(1, 100)
    scale = torch.where(q < 50, 5000 / q, 200 - 2 * q)
    return ((_LUMA_TABLE[None] * scale[:, None, None] + 50) / 100).floor().clamp(1, 255)


def jpeg(p: torch.Tensor, quality: torch.Tensor) -> torch.Tensor:
    """A grayscale JPEG round trip of each face ``[n, 1, H, W]`` (H, W multiples of 8) at its
    ``quality`` ``[n]``: 8x8 blocks, level shift, DCT, quantisation (rounding), back. The
    entropy coding is lossless, so this is what a baseline grayscale JPEG keeps."""
    n, _, h, w = p.shape
    d = _DCT.to(p)
    blocks = (p.round() - 128).reshape(n, h // 8, 8, w // 8, 8).permute(0, 1, 3, 2, 4)  # [n, h/8, w/8, 8, 8]
    coef = d @ blocks @ d.T
    table = jpeg_table(quality).to(p)[:, None, None]
    coef = (coef / table).round() * table
    back = d.T @ coef @ d + 128
    return back.permute(0, 1, 3, 2, 4).reshape(n, 1, h, w)


def occlude(p: torch.Tensor, top: torch.Tensor, side: torch.Tensor, taper: torch.Tensor,
            grey: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """A flat mask-like patch on each face ``[n, 1, H, W]``: from row ``top`` ``[n]`` to the
    bottom, ``side`` ``[n]`` pixels in from each edge at the top and ``taper`` ``[n]`` more at
    the bottom, filled with ``grey`` ``[n]`` darkening by up to 15% downwards, plus
    ``noise`` (grey levels, same shape as ``p``)."""
    n, _, h, w = p.shape
    ys = torch.arange(h, dtype=p.dtype, device=p.device)[None, :, None]
    xs = torch.arange(w, dtype=p.dtype, device=p.device)[None, None, :]
    top, side, taper, grey = (t.to(p)[:, None, None] for t in (top, side, taper, grey))
    t = ((ys - top) / (h - top)).clamp(0, 1)
    inset = side + taper * t
    inside = (ys >= top) & (xs >= inset) & (xs <= (w - 1) - inset)
    fill = grey * (1 - 0.15 * t) + noise[:, 0]
    return torch.where(inside[:, None], fill[:, None], p)


def degrade(p: torch.Tensor, gen: torch.Generator, prob: float) -> torch.Tensor:
    """Degrade a ``prob`` share of the faces of a batch, one of :data:`KINDS` each.

    Args:
        p: faces in grey levels float32 ``[B, 1, 48, 48]`` (0..255), on the training device.
        gen: the run's CPU random generator (advanced only when ``prob`` > 0).
        prob: each face's chance of a degradation (0..1).

    Returns:
        float32 ``[B, 1, 48, 48]`` in 0..255, whole grey levels where degraded (the
        camera's 8 bits), the other faces as they were.
    """
    if prob <= 0:
        return p
    b, dev = p.shape[0], p.device
    u = lambda *s: torch.rand(*s, generator=gen)  # noqa: E731
    on = u(b) < prob
    kind = torch.randint(0, len(KINDS), (b,), generator=gen)
    out = p.clone()
    for k, name in enumerate(KINDS):
        idx = torch.nonzero(on & (kind == k)).flatten()
        n = len(idx)
        if n == 0:
            continue
        di = to_device(idx, dev)
        x = p[di]
        if name == "dark":
            level = DARK[0] + u(n) * (DARK[1] - DARK[0])
            sd = NOISE[0] + u(n) * (NOISE[1] - NOISE[0])
            noise = torch.randn(n, 1, *p.shape[-2:], generator=gen) * sd[:, None, None, None]
            x = darken(x, to_device(level, dev), to_device(noise, dev))
        elif name == "blur":
            x = blur(x, to_device(BLUR[0] + u(n) * (BLUR[1] - BLUR[0]), dev))
        elif name == "jpeg":
            q = torch.randint(JPEG_QUALITY[0], JPEG_QUALITY[1] + 1, (n,), generator=gen)
            x = jpeg(x, to_device(q, dev))
        else:
            top = MASK_TOP[0] + u(n) * (MASK_TOP[1] - MASK_TOP[0])
            side, taper, grey = 0.5 + u(n) * 5, u(n) * 7, 30 + u(n) * 200
            noise = torch.randn(n, 1, *p.shape[-2:], generator=gen) * 2
            x = occlude(x, *(to_device(t, dev) for t in (top, side, taper, grey, noise)))
        out[di] = x.round().clamp(0.0, 255.0)
    return out


def camera_view(x: torch.Tensor, gen: torch.Generator, prob: float, standardise: bool) -> torch.Tensor:
    """Normalised training faces ``[B, 1, 48, 48]`` as the served graph would get them from
    the product: degraded (``prob``, :func:`degrade`), then per-face standardised
    (``standardise``, :func:`standardize`), normalised again. Neither: ``x`` itself."""
    if prob <= 0 and not standardise:
        return x
    assert x.shape[-1] == INPUT_SIZE, "degrade and standardise whole faces, before the crop"
    p = degrade(to_pixels(x), gen, prob)
    if standardise:
        p = standardize(p)
    return to_normalised(p)
