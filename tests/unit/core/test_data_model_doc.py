"""docs/data-model.md documents every key builder of shared/core/keys.py (entity, keys, TTL, writer)."""

from __future__ import annotations

import inspect
import pathlib

from shared.core import keys

DOC = pathlib.Path(__file__).resolve().parents[3] / "docs" / "data-model.md"


def test_every_key_builder_is_documented() -> None:
    # Given every public function of the key module
    builders = [
        name
        for name, value in vars(keys).items()
        if inspect.isfunction(value) and value.__module__ == keys.__name__ and not name.startswith("_")
    ]
    assert len(builders) > 50
    # Then the data model names each, as code, in its key builder tables
    text = DOC.read_text()
    assert [name for name in builders if f"`{name}`" not in text] == []
