"""Static assets (CSS, a few lines of JS) under content-hashed names, cached for a year by browsers and CDNs.

`asset_url("portal.css")` is `/static/portal.3f2a9c1e.css`; a changed file gets a new name, so a page never
mixes old and new assets and the old name may be cached forever.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_PREFIX = "/static/"
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    """One static file: its hashed name, content type and bytes."""

    hashed_name: str
    content_type: str
    body: bytes


def hashed_name(name: str, body: bytes) -> str:
    """`portal.css` -> `portal.<first 10 hex of its SHA-256>.css`."""
    stem, dot, suffix = name.rpartition(".")
    digest = hashlib.sha256(body).hexdigest()[:10]
    return f"{stem}.{digest}{dot}{suffix}" if dot else f"{name}.{digest}"


@lru_cache(maxsize=1)
def _assets() -> tuple[dict[str, Asset], dict[str, Asset]]:
    by_name: dict[str, Asset] = {}
    by_hashed: dict[str, Asset] = {}
    for path in sorted(STATIC_DIR.glob("*")):
        if not path.is_file():
            continue
        body = path.read_bytes()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith("javascript"):
            content_type += "; charset=utf-8"
        asset = Asset(hashed_name(path.name, body), content_type, body)
        by_name[path.name] = asset
        by_hashed[asset.hashed_name] = asset
    return by_name, by_hashed


def asset_url(name: str) -> str:
    """The URL of a static file under its content-hashed name."""
    return STATIC_PREFIX + _assets()[0][name].hashed_name


def find(hashed: str) -> Asset | None:
    """The asset served under a hashed name (an unhashed or stale name is not found)."""
    return _assets()[1].get(hashed)
