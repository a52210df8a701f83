"""Load `.env` (created from `.env.example`) into the process environment."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from devstack.template import ROOT


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a dotenv file (comments and blank lines skipped, quotes stripped)."""
    values: dict[str, str] = {}
    for raw_line in path.read_text().splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def load_dotenv(root: Path = ROOT) -> dict[str, str]:
    """Apply `.env` to os.environ (the process environment wins), creating it from `.env.example` if absent."""
    env_file = root / ".env"
    if not env_file.exists():
        shutil.copy(root / ".env.example", env_file)
    values = {**read_env_file(root / ".env.example"), **read_env_file(env_file)}
    for key, value in values.items():
        os.environ.setdefault(key, value)
    return values
