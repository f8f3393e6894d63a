"""Screenshots (image files) as consecutive frames of one class."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Iterator

from ...errors import InputError
from ...io import check_file, load_image
from ...types import Frame
from .base import Source, positive


class ImageSource(Source):
    """Image files in the given order, as consecutive frames of one class.

    Frames are BGR uint8 arrays of shape (H, W, 3) with timestamps 0, ``interval``,
    2 * ``interval``, ... seconds. All paths are checked up front; each image is read
    when its turn comes.

    Args:
        paths: one image file or several, in order.
        interval: seconds between consecutive images, above 0.

    Raises:
        InputError: no paths, a missing, empty or unreadable file, or ``interval`` not
            a number above 0 (``option="interval"``); when iterated, a corrupt image
            given alone, or a list of which no image could be decoded.

    Attributes:
        skipped: ``(path, why)`` for each image of a list that could not be decoded
            (corrupt, unsupported): it is skipped and the images after it are read, as
            the frames after a damaged stretch of a recording are (:meth:`warnings`).
    """

    live = False

    def __init__(self, paths: Iterable[str | os.PathLike], interval: float = 0.5) -> None:
        self.paths = [Path(p) for p in ([paths] if isinstance(paths, (str, os.PathLike)) else paths)]
        if not self.paths:
            raise InputError("no images given; give one or more gallery screenshots (PNG, JPEG, ...)",
                             option="paths")
        interval = positive(interval, "interval", "a number of seconds between images", "0.5")
        for p in self.paths:
            check_file(p, "an image", "a real screenshot or photo")
        self.interval = interval
        self.skipped: list[tuple[Path, str]] = []
        n = len(self.paths)
        self.duration_s = n * interval
        if n == 1:
            self.description = f"image {self.paths[0].name}"
        else:
            self.description = (f"{n} images ({self.paths[0].name} ... {self.paths[-1].name}, "
                                f"one every {interval:g} s)")

    def __iter__(self) -> Iterator[Frame]:
        self.skipped = []
        for i, p in enumerate(self.paths):
            try:
                image = load_image(p)
            except InputError as e:
                if len(self.paths) == 1:
                    raise
                self.skipped.append((p, str(e)))
                continue
            yield Frame(image=image, timestamp=i * self.interval, index=i)
        if self.skipped and len(self.skipped) == len(self.paths):
            raise InputError(f"none of the {len(self.paths)} images could be read "
                             f"({self.paths[0]} ... {self.paths[-1]}); give PNG, JPEG, BMP or WebP files")

    def unread(self) -> list[tuple[float, float]]:
        """The skipped images' time slots ``(start_s, end_s)``, in order, those of
        consecutive images merged: where the session could not be read."""
        out: list[tuple[float, float]] = []
        index = {p: i for i, p in enumerate(self.paths)}
        for p, _ in self.skipped:
            a = index[p] * self.interval
            if out and abs(out[-1][1] - a) < 1e-9:
                out[-1] = (out[-1][0], a + self.interval)
            else:
                out.append((a, a + self.interval))
        return out

    def warnings(self) -> list[str]:
        """One line per skipped image (no ``warning:`` prefix): what and why, then how
        many of the images were read."""
        lines = [f"{why} (skipped; the other images were read)" for _, why in self.skipped]
        if self.skipped:
            lines.append(f"{len(self.paths) - len(self.skipped)} of {len(self.paths)} images read")
        return lines
