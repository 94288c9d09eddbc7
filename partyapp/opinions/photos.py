"""Photos sent with an opinion (at most three, 5 MB each), cleaned by partyapp.photos."""
from __future__ import annotations

from pathlib import Path

from .. import photos
from ..extensions import db
from ..photos import PhotoError  # noqa: F401  (views catch it from here)
from .models import Opinion, OpinionPhoto

KIND = "opinions"
MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 5 * 1024 * 1024


def read_uploads(files) -> list[bytes]:
    """File storages from the form -> cleaned JPEG bytes, checking count and size first."""
    chosen = [f for f in files if f and f.filename]
    if len(chosen) > MAX_PHOTOS:
        raise PhotoError(f"最多上传{MAX_PHOTOS}张照片")
    return [photos.clean_photo(photos.read_limited(f, MAX_PHOTO_BYTES)) for f in chosen]


def save_photos(opinion: Opinion, cleaned: list[bytes]) -> None:
    for data in cleaned:
        db.session.add(OpinionPhoto(opinion_id=opinion.id, filename=photos.store(KIND, data),
                                    size=len(data)))


def photo_path(photo: OpinionPhoto) -> Path:
    return photos.folder(KIND) / photo.filename
