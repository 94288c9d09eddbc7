"""Static files: content-hashed URLs (cached for a year), gzip copies, served by WhiteNoise."""
import gzip
import hashlib
import os
from pathlib import Path

from whitenoise import WhiteNoise


def configure_assets(app):
    static_root = Path(app.static_folder)
    _ensure_compressed(static_root)
    versions = {}

    def asset_url(filename: str) -> str:
        """Static URL with a content hash, so files can be cached for a year."""
        if filename not in versions:
            data = (static_root / filename).read_bytes()
            versions[filename] = hashlib.sha256(data).hexdigest()[:10]
        return f"/static/{filename}?v={versions[filename]}"

    app.jinja_env.globals["asset_url"] = asset_url
    app.wsgi_app = WhiteNoise(app.wsgi_app, root=str(static_root), prefix="static/",
                              max_age=3600 * 24 * 365)


def _ensure_compressed(static_root: Path) -> None:
    """Write .gz copies next to CSS/JS (WhiteNoise serves them to browsers that accept gzip)."""
    for source in list(static_root.rglob("*.css")) + list(static_root.rglob("*.js")) + \
            list(static_root.rglob("*.svg")):
        target = source.with_name(source.name + ".gz")
        if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
            continue
        temp = target.with_name(f".{target.name}.{os.getpid()}")
        with open(source, "rb") as src, gzip.open(temp, "wb", compresslevel=9) as dst:
            dst.write(src.read())
        os.replace(temp, target)
