"""Uploaded photos for every feature: checked (type, bytes, pixels), re-encoded as JPEG so
nothing of the original file survives (EXIF: GPS position, phone model, time), stored under
UPLOAD_FOLDER/<kind>/ with a random name."""
from __future__ import annotations

import re
import secrets
from io import BytesIO
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 40_000_000   # a phone photo is ~12–50 MP; refuse bigger before decoding
MAX_SIDE = 1600           # plenty for a notice board, small for a village's 4G
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
_NAME = re.compile(r"[0-9a-f]{32}\.jpg")


class PhotoError(ValueError):
    """Why a photo was refused; the message is Chinese, for the page."""


def read_limited(stream, max_bytes: int) -> bytes:
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        megabytes = max(1, round(max_bytes / (1024 * 1024)))
        raise PhotoError(f"照片太大，请换一张较小的照片（每张不超过{megabytes}MB）。")
    return data


def clean_photo(data: bytes) -> bytes:
    """Re-encode: keeps the pixels (turned upright), drops every metadata block."""
    try:
        with Image.open(BytesIO(data)) as image:
            if image.format not in ALLOWED_FORMATS:
                raise PhotoError("只能上传 JPG、PNG 或 WebP 格式的照片。")
            if image.width * image.height > MAX_PIXELS:
                raise PhotoError("照片像素太大，请换一张。")
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise PhotoError("照片无法识别，请换一张。") from None
    upright.thumbnail((MAX_SIDE, MAX_SIDE))
    out = BytesIO()
    upright.save(out, "JPEG", quality=82)   # no exif= argument: metadata is dropped
    return out.getvalue()


def folder(kind: str) -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"]) / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(kind: str, cleaned: bytes) -> str:
    """Write a cleaned photo; returns its random file name."""
    name = f"{secrets.token_hex(16)}.jpg"
    (folder(kind) / name).write_bytes(cleaned)
    return name


def is_photo_name(name: str) -> bool:
    return bool(_NAME.fullmatch(name or ""))
