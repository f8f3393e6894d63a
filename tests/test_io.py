"""Image loading: every failure is one clear InputError naming the file."""

import cv2
import numpy as np
import pytest

from classmood.errors import InputError
from classmood.io import as_bgr, load_image


def test_reads_png_gray_and_alpha(tmp_path):
    cv2.imwrite(str(tmp_path / "g.png"), np.full((20, 30), 7, np.uint8))
    cv2.imwrite(str(tmp_path / "a.png"), np.full((20, 30, 4), 9, np.uint8))
    for name in ("g.png", "a.png"):
        img = load_image(tmp_path / name)
        assert img.shape == (20, 30, 3) and img.dtype == np.uint8


def test_sixteen_bit_is_scaled(tmp_path):
    cv2.imwrite(str(tmp_path / "d.png"), np.full((4, 4, 3), 65535, np.uint16))
    assert load_image(tmp_path / "d.png").max() == 255


@pytest.mark.parametrize(
    "content, needle",
    [(None, "no such file"), (b"", "empty"), (b"GIF89a garbage" * 10, "not a readable image")],
)
def test_errors_name_the_file(tmp_path, content, needle):
    p = tmp_path / "x.png"
    if content is not None:
        p.write_bytes(content)
    with pytest.raises(InputError) as exc:
        load_image(p)
    msg = str(exc.value)
    assert str(p) in msg and needle in msg and "\n" not in msg


def test_as_bgr_rejects_non_images():
    with pytest.raises(InputError):
        as_bgr(np.zeros((0, 0, 3), np.uint8))
    with pytest.raises(InputError):
        as_bgr(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(InputError):
        as_bgr(np.zeros((4, 4, 2), np.uint8))


def test_exif_orientation_is_applied(tmp_path):
    """A JPEG stored sideways with EXIF orientation 6 (turn 90 degrees clockwise to view)
    reads upright, as every viewer shows it."""
    from PIL import Image

    img = np.zeros((60, 100, 3), np.uint8)
    img[:, :50] = (0, 0, 255)  # left half red (BGR), right half black
    stored = cv2.rotate(img, cv2.ROTATE_90_COUNTERCLOCKWISE)  # what the camera wrote
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "phone.jpg"
    Image.fromarray(stored[:, :, ::-1]).save(path, quality=95, exif=exif)
    got = load_image(path)
    assert got.shape == (60, 100, 3)
    assert np.abs(got.astype(int) - img).mean() < 4
