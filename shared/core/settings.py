"""Environment settings, validated once at cold start. Template.yaml and .env.example set them."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, Field


class Settings(BaseModel):
    """What every function reads from its environment."""

    table_name: str = Field(min_length=3)
    program_id: str = "default"
    dynamodb_endpoint: str | None = None
    # Local development only: the admin bearer token. In AWS the admin routes sit behind IAM auth.
    admin_token: str | None = None
    public_base_url: str | None = None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment (cached; tests clear the cache with get_settings.cache_clear())."""
    return Settings(
        table_name=os.environ.get("TABLE_NAME", ""),
        program_id=os.environ.get("PROGRAM_ID", "default"),
        dynamodb_endpoint=os.environ.get("DYNAMODB_ENDPOINT") or None,
        admin_token=os.environ.get("ADMIN_TOKEN") or None,
        public_base_url=os.environ.get("PUBLIC_BASE_URL") or None,
    )
