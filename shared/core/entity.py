"""The base of every stored entity: keys from `shared.keys`, JSON-safe attributes, a type tag."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict

from shared.core.clock import to_iso

KEY_ATTRIBUTES = ("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk")


class Model(BaseModel):
    """The base of the package's pydantic models: a schema is built when the model is first used, not when its
    module is imported, so a function pays at cold start only for the models its requests touch."""

    model_config = ConfigDict(defer_build=True)


class Entity(Model):
    """A stored item. Subclasses name their `entity_type` and build their keys in `keys()`."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True, use_enum_values=False, defer_build=True)

    entity_type: ClassVar[str] = "entity"

    def keys(self) -> dict[str, str]:
        """Primary and GSI keys of this item, built by `shared.keys`."""
        raise NotImplementedError

    def to_item(self) -> dict[str, Any]:
        """The DynamoDB item: keys, a `type` tag, and the attributes in JSON-safe form."""
        attributes = self.model_dump(mode="json", exclude_none=True)
        for name, value in self:
            # Timestamps are stored in the sortable form the key scheme uses.
            if isinstance(value, datetime):
                attributes[name] = to_iso(value)
        return {**self.keys(), "type": self.entity_type, **attributes}

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Self:
        """Rebuild the entity from a stored item (keys and tags are ignored)."""
        return cls.model_validate({k: v for k, v in item.items() if k not in KEY_ATTRIBUTES and k != "type"})
