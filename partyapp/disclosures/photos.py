"""Progress photos of commitments (8 MB at most), cleaned by partyapp.photos."""
from __future__ import annotations

from pathlib import Path

from .. import photos
from ..photos import PhotoError, is_photo_name  # noqa: F401  (views import them from here)

KIND = "disclosures"
MAX_BYTES = 8 * 1024 * 1024


def photo_folder() -> Path:
    return photos.folder(KIND)


def save_photo(stream) -> str:
    """Check, clean and store an uploaded photo; return its file name."""
    return photos.store(KIND, photos.clean_photo(photos.read_limited(stream, MAX_BYTES)))
