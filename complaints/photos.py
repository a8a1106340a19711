"""Photo checks: a real image, not too big, EXIF (and its GPS) stripped."""

from __future__ import annotations

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
MAX_SIDE = 2560
Image.MAX_IMAGE_PIXELS = 40_000_000


def clean_photo(upload) -> ContentFile:
    """Return the photo re-encoded as a JPEG without metadata, or raise ``ValidationError``."""
    name = getattr(upload, "name", "photo")
    size = getattr(upload, "size", None)
    if size is not None and size > settings.BALAGH_MAX_PHOTO_BYTES:
        raise ValidationError(
            _("“%(name)s” is larger than %(mb)d MB."),
            code="too_large",
            params={"name": name, "mb": settings.BALAGH_MAX_PHOTO_BYTES // (1024 * 1024)},
        )
    try:
        upload.seek(0)
        probe = Image.open(upload)
        probe.verify()
        upload.seek(0)
        image: Image.Image = Image.open(upload)
        if image.format not in ALLOWED_FORMATS:
            raise ValidationError(_("“%(name)s” is not a photo (JPEG, PNG or WebP)."), code="format", params={"name": name})
        image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("“%(name)s” is not a photo we can read."), code="invalid_image", params={"name": name}) from None
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.split()[-1])
        image = background
    image.thumbnail((MAX_SIDE, MAX_SIDE))
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
