"""Checks on uploaded files: only PDF, JPEG and PNG, recognised by their first bytes (not
by the name the sender gave), and no larger than the limit."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

# signature → (content type, extension)
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
ALLOWED_EXTENSIONS = {"pdf", "png", "jpg", "jpeg"}


def max_bytes() -> int:
    return int(getattr(settings, "PROCEDURES_MAX_UPLOAD_MB", 5)) * 1024 * 1024


def check_upload(upload: UploadedFile) -> tuple[str, str]:
    """(content type, extension) of an acceptable file; else a ValidationError in French
    that says what to do."""
    limit = max_bytes()
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            f"Le fichier « {upload.name} » dépasse {limit // (1024 * 1024)} Mo : réduisez-le "
            "(numérisation en plus basse résolution, PDF compressé) puis envoyez-le de nouveau."
        )
    extension = (upload.name or "").rsplit(".", 1)[-1].lower()
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, content_type, kind in SIGNATURES:
        if head.startswith(signature) and extension in ALLOWED_EXTENSIONS:
            return content_type, kind
    raise ValidationError(
        f"Le fichier « {upload.name} » n'est pas accepté : envoyez un document PDF ou une "
        "image JPEG ou PNG."
    )
