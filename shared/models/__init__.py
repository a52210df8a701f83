"""Pydantic entities of the single table, one module per aggregate. Each entity owns its keys."""
