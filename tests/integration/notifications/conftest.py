"""Notification fixtures: the portal's program, partners and mail folder."""

from __future__ import annotations

from tests.integration.portal.conftest import ada, bob, mail_dir, program  # noqa: F401 - the portal's fixtures
