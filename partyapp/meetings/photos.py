"""Meeting photos (8 MB at most each, 12 per meeting), cleaned by partyapp.photos: re-encoded,
no EXIF (GPS, phone model). Stored under UPLOAD_FOLDER/meetings/; shown only to those who may
see the meeting."""
from __future__ import annotations

from pathlib import Path

from .. import photos
from ..photos import PhotoError, is_photo_name  # noqa: F401  (views import them from here)

KIND = "meetings"
MAX_BYTES = 8 * 1024 * 1024
MAX_PER_MEETING = 12


def photo_folder() -> Path:
    return photos.folder(KIND)


def save_photo(stream) -> str:
    """Check, clean and store an uploaded photo; return its file name."""
    return photos.store(KIND, photos.clean_photo(photos.read_limited(stream, MAX_BYTES)))
