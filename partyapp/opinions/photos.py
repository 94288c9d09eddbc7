"""Photos sent with an opinion: checked, re-encoded as JPEG without metadata (EXIF, GPS),
stored under UPLOAD_FOLDER/opinions/ with a random name."""
from __future__ import annotations

import secrets
from io import BytesIO
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from ..extensions import db
from .models import Opinion, OpinionPhoto

MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1600
MAX_PIXELS = 40_000_000   # a phone photo is ~12–50 MP; refuse bigger before decoding
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


class PhotoError(ValueError):
    pass


def photo_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "opinions"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def clean_photo(data: bytes) -> bytes:
    """Re-encode: keeps the pixels (turned upright), drops every metadata block."""
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoError("每张照片不能超过5MB")
    try:
        with Image.open(BytesIO(data)) as image:
            if image.format not in ALLOWED_FORMATS:
                raise PhotoError("只能上传 JPG、PNG 或 WEBP 照片")
            if image.width * image.height > MAX_PIXELS:
                raise PhotoError("照片像素太大，请换一张")
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise PhotoError("照片无法识别，请换一张") from None
    upright.thumbnail((MAX_SIDE, MAX_SIDE))
    out = BytesIO()
    upright.save(out, "JPEG", quality=85)
    return out.getvalue()


def read_uploads(files) -> list[bytes]:
    """File storages from the form -> raw bytes, checking count and size first."""
    chosen = [f for f in files if f and f.filename]
    if len(chosen) > MAX_PHOTOS:
        raise PhotoError(f"最多上传{MAX_PHOTOS}张照片")
    blobs = [f.read(MAX_PHOTO_BYTES + 1) for f in chosen]
    return [clean_photo(blob) for blob in blobs]


def save_photos(opinion: Opinion, cleaned: list[bytes]) -> None:
    folder = photo_folder()
    for data in cleaned:
        name = f"{secrets.token_hex(16)}.jpg"
        (folder / name).write_bytes(data)
        db.session.add(OpinionPhoto(opinion_id=opinion.id, filename=name, size=len(data)))


def photo_path(photo: OpinionPhoto) -> Path:
    return photo_folder() / photo.filename
