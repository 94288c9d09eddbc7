"""Evidence photos (8 MB at most each), cleaned by partyapp.photos (re-encoded, no EXIF) and
stored under UPLOAD_FOLDER/rectification/; shown only to those who may see the item."""
from __future__ import annotations

from pathlib import Path

from .. import photos
from ..photos import PhotoError, is_photo_name  # noqa: F401  (views import them from here)

KIND = "rectification"
MAX_BYTES = 8 * 1024 * 1024


def photo_folder() -> Path:
    return photos.folder(KIND)


def save_photo(stream) -> str:
    return photos.store(KIND, photos.clean_photo(photos.read_limited(stream, MAX_BYTES)))
