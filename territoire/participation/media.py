"""Proposal photos: checked with Pillow (a real JPEG, PNG or WebP image, at most
PHOTO_MAX_BYTES and PHOTO_MAX_PIXELS), turned upright, reduced to PHOTO_MAX_SIDE and
re-encoded without metadata (no camera model, no GPS position in what is published). The
file goes to PARTICIPATION_MEDIA_ROOT, outside the web root; the photo view serves it only
while the proposal is visible."""

from __future__ import annotations

import io
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000
PHOTO_MAX_SIDE = 1600
ACCEPTED = {"JPEG": "jpg", "PNG": "png", "WEBP": "jpg"}  # WebP is stored as JPEG
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png"}

REFUSED = "La photo doit être une image JPEG, PNG ou WebP."


def clean_photo(upload: UploadedFile) -> ContentFile:
    """The photo to store, or a ValidationError on the ``photo`` field in French."""
    if upload.size is not None and upload.size > PHOTO_MAX_BYTES:
        raise ValidationError(
            {"photo": f"La photo pèse {upload.size / 1_048_576:.1f} Mo : 5 Mo au plus."}
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            kind = probe.format or ""
            width, height = probe.size
            probe.verify()
        if kind not in ACCEPTED:
            raise ValidationError({"photo": REFUSED})
        if width * height > PHOTO_MAX_PIXELS:
            raise ValidationError(
                {"photo": f"La photo est trop grande ({width} × {height} pixels)."}
            )
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError({"photo": REFUSED}) from None
    upright.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    extension = ACCEPTED[kind]
    out = io.BytesIO()
    if extension == "png":
        if upright.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            upright = upright.convert("RGBA")
        upright.save(out, format="PNG", optimize=True)
    else:
        upright.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{extension}")


def content_type_of(name: str) -> str:
    return CONTENT_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")
