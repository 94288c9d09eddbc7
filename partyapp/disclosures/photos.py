"""Progress photos: JPEG/PNG/WebP only, at most 8 MB and 40 megapixels, re-encoded as JPEG so
nothing of the original file (EXIF: GPS position, phone model, time) survives."""
from __future__ import annotations

import secrets
from io import BytesIO
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 1600
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}


class PhotoError(ValueError):
    """Message is Chinese."""


def photo_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "disclosures"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_photo(stream) -> str:
    """Check, clean and store an uploaded photo; return its file name."""
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise PhotoError("照片太大，请选择 8MB 以内的照片。")
    image = _open_checked(data)
    image = ImageOps.exif_transpose(image).convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    name = f"{secrets.token_hex(12)}.jpg"
    image.save(photo_folder() / name, "JPEG", quality=82)   # no exif= argument: EXIF dropped
    return name


def _open_checked(data: bytes) -> Image.Image:
    try:
        image = Image.open(BytesIO(data))
        if image.format not in ALLOWED_FORMATS:
            raise PhotoError("只能上传 JPG、PNG 或 WebP 格式的照片。")
        if image.width * image.height > MAX_PIXELS:
            raise PhotoError("照片尺寸太大。")
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise PhotoError("无法识别这张照片，请换一张。")
    return image


def is_photo_name(name: str) -> bool:
    stem, _, ext = name.partition(".")
    return ext == "jpg" and len(stem) == 24 and all(c in "0123456789abcdef" for c in stem)
