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
            a number above 0 (``option="interval"``); a corrupt image when it is read.
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
        n = len(self.paths)
        self.duration_s = n * interval
        if n == 1:
            self.description = f"image {self.paths[0].name}"
        else:
            self.description = (f"{n} images ({self.paths[0].name} ... {self.paths[-1].name}, "
                                f"one every {interval:g} s)")

    def __iter__(self) -> Iterator[Frame]:
        for i, p in enumerate(self.paths):
            yield Frame(image=load_image(p), timestamp=i * self.interval, index=i)
