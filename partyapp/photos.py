"""Uploaded photos for every feature: checked (type, bytes, pixels), re-encoded as JPEG so
nothing of the original file survives (EXIF: GPS position, phone model, time), stored under
UPLOAD_FOLDER/<kind>/ with a random name.

Decoding is bounded: the pixel count is read from the header and checked before any pixel is
decoded (a 170 KB PNG can claim 40 MP: 450 MB to decode); a JPEG is decoded at a reduced scale
(`draft`, DCT scaling) close to the size kept; at most DECODES_AT_ONCE photos are decoded at
a time in one process (a burst of uploads waits its turn instead of filling the memory)."""
from __future__ import annotations

import re
import secrets
import threading
import warnings
from io import BytesIO
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 24_000_000   # JPEG (decoded reduced): a phone's 12–24 MP photo; refuse bigger
MAX_PIXELS_LOSSLESS = 12_000_000  # PNG/WebP decode at full size (4 bytes a pixel): screenshots
MAX_SIDE = 1600           # plenty for a notice board, small for a village's 4G
DECODES_AT_ONCE = 2       # per process (gunicorn worker); others wait their turn
DECODE_WAIT_SECONDS = 20

# Pillow's own guard, at our cap: beyond it, opening is an error, never a warning and a decode.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)
_decodes = threading.BoundedSemaphore(DECODES_AT_ONCE)
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
    if not _decodes.acquire(timeout=DECODE_WAIT_SECONDS):
        raise PhotoError("现在上传照片的人太多，请过一会儿再试。")
    try:
        upright = _decode(data)
    finally:
        _decodes.release()
    upright.thumbnail((MAX_SIDE, MAX_SIDE))
    out = BytesIO()
    upright.save(out, "JPEG", quality=82)   # no exif= argument: metadata is dropped
    return out.getvalue()


def _decode(data: bytes) -> Image.Image:
    too_big = PhotoError("照片像素太大，请换一张（不超过2400万像素）。")
    try:
        with Image.open(BytesIO(data)) as image:
            if image.format not in ALLOWED_FORMATS:
                raise PhotoError("只能上传 JPG、PNG 或 WebP 格式的照片。")
            cap = MAX_PIXELS if image.format == "JPEG" else MAX_PIXELS_LOSSLESS
            if image.width * image.height > cap:
                raise too_big
            if image.format == "JPEG":   # decode at 1/2, 1/4 or 1/8 scale, still ≥ MAX_SIDE
                image.draft("RGB", (MAX_SIDE, MAX_SIDE))
            image.load()
            return ImageOps.exif_transpose(image).convert("RGB")
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_big from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PhotoError("照片无法识别，请换一张。") from None


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
