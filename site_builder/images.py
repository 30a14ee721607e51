"""Story and team images as the site publishes them: a few widths for `srcset`, the largest capped.

An image `stories/images/x.jpg` of W x H pixels is published as
- `stories/images/x.jpg`: the image itself at min(W, LARGEST) pixels wide (the `src`, the Open Graph
  image, the target of links to it); copied byte for byte when it is no wider than LARGEST, stands
  upright and carries no EXIF block; otherwise encoded again (turned upright, without EXIF: a photo's
  GPS position and camera data are not published);
- `stories/images/x.w480.jpg`, `x.w960.jpg`: the WIDTHS smaller than that, for phones (`srcset`).

What the HTML says (names, widths, heights) is a pure function of the image's size, so a page is the
same whether or not the image was encoded this time. Encoding is deterministic (same Pillow, same
settings, same bytes) and goes through the build cache (build.py): an unchanged image is never encoded
again. GIFs (possibly animated) are copied as they are, with no smaller widths.
"""

from __future__ import annotations

import io
from pathlib import Path, PurePosixPath

WIDTHS = (480, 960)  # the smaller widths offered in srcset (phones at 1x-2x, tablets)
LARGEST = 1600  # no published image is wider: a 4000 x 3000 photo becomes 1600 x 1200
# The story column is at most 960 px wide less 1 rem on each side (theme/static/css/site.css .wrap).
SIZES = "(min-width: 992px) 928px, calc(100vw - 2rem)"
JPEG_QUALITY = 82
WEBP_QUALITY = 80
_ORIENTATION = 0x0112  # EXIF tag
_TURNED = (5, 6, 7, 8)  # orientations that swap width and height


def variants(src: str, width: int, height: int) -> tuple[tuple[str, int, int], ...]:
    """(output path, width, height) of every published width, smallest first; the last is `src`
    itself at the capped width. `width` x `height` is the image as it stands (EXIF orientation applied)."""
    path = PurePosixPath(src)
    if path.suffix.lower() == ".gif" or width <= 0 or height <= 0:
        return ((src, width, height),)
    top = min(width, LARGEST)
    found = [(str(path.with_name(f"{path.stem}.w{w}{path.suffix}")), w, _height(w, width, height))
             for w in WIDTHS if w < top]
    return (*found, (src, top, _height(top, width, height)))


def _height(w: int, width: int, height: int) -> int:
    return max(1, (height * w * 2 + width) // (width * 2))  # height scaled to w, rounded half up


def upright_size(picture) -> tuple[int, int]:
    """A Pillow image's size as it is shown: width and height swapped when EXIF says it is turned."""
    width, height = picture.size
    try:
        turned = picture.getexif().get(_ORIENTATION) in _TURNED
    except Exception:  # an unreadable EXIF block: shown as stored
        turned = False
    return (height, width) if turned else (width, height)


def publish(source: Path, src: str) -> dict[str, bytes]:
    """Every published file of one image, output path -> bytes (OSError when the file cannot be read)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    data = source.read_bytes()
    try:
        picture = Image.open(io.BytesIO(data))
        picture.load()
    except (UnidentifiedImageError, ValueError) as error:
        raise OSError(str(error)) from None
    if PurePosixPath(src).suffix.lower() == ".gif":
        return {src: data}
    exif = picture.getexif()
    width, height = upright_size(picture)
    if width <= LARGEST and not exif and not picture.info.get("exif") and not picture.info.get("xmp"):
        files = {src: data}  # published as written
    else:
        files = {}
    upright = ImageOps.exif_transpose(picture) if exif.get(_ORIENTATION, 1) != 1 else picture
    upright = _for_resizing(upright)
    for name, w, h in variants(src, width, height):
        if name in files:
            continue
        scaled = upright if (w, h) == upright.size else upright.resize((w, h), Image.Resampling.LANCZOS)
        files[name] = _encode(scaled, PurePosixPath(src).suffix.lower())
    return files


def _for_resizing(picture):
    """A mode Pillow resizes well and every format here can store."""
    if picture.mode in ("RGB", "RGBA", "L", "LA"):
        return picture
    if picture.mode == "P" and "transparency" in picture.info:
        return picture.convert("RGBA")
    if picture.mode in ("P", "CMYK", "YCbCr", "I;16", "I", "F", "1"):
        return picture.convert("RGB")
    return picture.convert("RGBA")


def _encode(picture, suffix: str) -> bytes:
    out = io.BytesIO()
    if suffix in (".jpg", ".jpeg"):
        if picture.mode not in ("RGB", "L"):
            picture = picture.convert("RGB")
        picture.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    elif suffix == ".webp":
        picture.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
    else:
        picture.save(out, "PNG", optimize=True)
    return out.getvalue()
