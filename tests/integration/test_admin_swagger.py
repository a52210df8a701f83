"""The admin API's Swagger UI: served at /admin/swagger, behind the admin credential, and its OpenAPI models are
loaded by its first request rather than at every cold start.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers.api import ApiClient
from tests.helpers.factories import ADMIN

pytestmark = pytest.mark.integration


def test_the_swagger_ui_is_served_to_staff_only(api: ApiClient) -> None:
    # When staff, then a stranger, open the Swagger UI
    staff = api.get("/admin/swagger", headers=ADMIN)
    stranger = api.get("/admin/swagger")
    # Then staff get the page, the stranger the usual 401
    assert staff.status == 200 and b"swagger" in staff.body.lower()
    assert stranger.status == 401 and stranger.error_code == "unauthorized"


def test_the_admin_function_imports_no_openapi_models_at_cold_start() -> None:
    # When the admin function is imported in a fresh interpreter, as Lambda does at cold start
    code = "import sys, functions.admin_api.app\nprint('aws_lambda_powertools.event_handler.openapi.models' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603
    # Then the OpenAPI models (Swagger's) did not come with it
    assert result.stdout.strip() == "False"
