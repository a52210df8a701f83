"""Test settings shared by unit and integration tests: a test environment, set before any handler import."""

from __future__ import annotations

import os

TEST_ENV = {
    "TABLE_NAME": "referral-test",
    "PROGRAM_ID": "default",
    "ADMIN_TOKEN": "test-admin-token",
    "STRIPE_WEBHOOK_SECRET": "whsec_test_secret",
    "STRIPE_API_KEY": "sk_test_local",
    "CLICK_TOKEN_SECRET": "test-click-token-secret",
    "WEB_SESSION_SECRET": "test-web-session-secret",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_SERVICE_NAME": "referral-test",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "LOG_LEVEL": "WARNING",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
}
for _key, _value in TEST_ENV.items():
    os.environ[_key] = _value
