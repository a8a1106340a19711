"""Photo checks: a real image, not too big, EXIF (and its GPS) stripped, memory bounded.

A small file can hold a huge picture (an 8,900 × 8,900 PNG of 300 KB decodes to
240 MB, and Pillow's pixel limit only warned below 2 × its limit). The size in the
header is checked before any pixel is decoded. JPEG, what phones send, is decoded
already scaled down (``Image.draft``: the decoder skips the detail), so even a
100-megapixel photo takes a few tens of MB; other formats are decoded whole and
may be at most ``MAX_OTHER_PIXELS``. The picture is shrunk right after decoding,
before rotating and converting make copies of it. Peaks are in docs/benchmarks.md.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from municipality.text import strip_invisible

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
DRAFT_FORMATS = {"JPEG", "MPO"}
MAX_SIDE = 2560
MAX_JPEG_PIXELS = 100_000_000  # a 108-megapixel phone photo; decoded at 1/4 or 1/8 of it
MAX_OTHER_PIXELS = 16_000_000  # 4,000 × 4,000: at most 64 MB decoded (RGBA)
# Pillow warns from this size and refuses from twice it; our own check (below) refuses first.
Image.MAX_IMAGE_PIXELS = MAX_JPEG_PIXELS


def _refuse_by_header(image: Image.Image, name: str) -> None:
    width, height = image.size
    limit = MAX_JPEG_PIXELS if image.format in DRAFT_FORMATS else MAX_OTHER_PIXELS
    if width * height > limit or width > 30_000 or height > 30_000:
        raise ValidationError(
            _("“%(name)s” is %(width)d × %(height)d pixels: too large a picture. Send a photo of at most %(mp)d megapixels."),
            code="too_many_pixels",
            params={"name": name, "width": width, "height": height, "mp": limit // 1_000_000},
        )


def clean_photo(upload) -> ContentFile:
    """Return the photo re-encoded as a JPEG without metadata, or raise ``ValidationError``."""
    name = strip_invisible(getattr(upload, "name", "") or "") or "photo"
    size = getattr(upload, "size", None)
    if size is not None and size > settings.BALAGH_MAX_PHOTO_BYTES:
        raise ValidationError(
            _("“%(name)s” is larger than %(mb)d MB."),
            code="too_large",
            params={"name": name, "mb": settings.BALAGH_MAX_PHOTO_BYTES // (1024 * 1024)},
        )
    try:
        upload.seek(0)
        probe = Image.open(upload)  # reads the header only
        if probe.format not in ALLOWED_FORMATS:
            raise ValidationError(_("“%(name)s” is not a photo (JPEG, PNG or WebP)."), code="format", params={"name": name})
        _refuse_by_header(probe, name)
        probe.verify()
        upload.seek(0)
        image: Image.Image = Image.open(upload)
        _refuse_by_header(image, name)
        if image.format in DRAFT_FORMATS:
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))
        image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("“%(name)s” is not a photo we can read."), code="invalid_image", params={"name": name}) from None
    image.thumbnail((MAX_SIDE, MAX_SIDE))  # shrink first (in place): rotating and converting copy the picture
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.split()[-1])
        image = background
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)  # no exif= argument: metadata is dropped
    return ContentFile(out.getvalue(), name="photo.jpg")


def clean_photos(uploads, *, required: bool = False) -> list[ContentFile]:
    uploads = [u for u in uploads if u]
    if len(uploads) > settings.BALAGH_MAX_PHOTOS:
        raise ValidationError(_("At most %(count)d photos."), code="too_many", params={"count": settings.BALAGH_MAX_PHOTOS})
    if required and not uploads:
        raise ValidationError(_("This kind of report needs at least one photo."), code="required")
    return [clean_photo(u) for u in uploads]
