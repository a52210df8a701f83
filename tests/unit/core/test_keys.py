"""The key scheme: built in one module, distinct per entity, no raw secrets or emails in keys."""

from __future__ import annotations

import ast
import pathlib
import re

from shared.core import keys

ROOT = pathlib.Path(__file__).resolve().parents[3]
KEY_PREFIX = re.compile(
    r"^(PROGRAM|PARTNER|LINK|LEAD|CUSTOMER|STRIPE_EVENT|PAYOUT|PAYOUTS|PAYOUTS_OPEN|PAYOUT_RUN|PAYABLE|APIKEY|RATE"
    r"|SALE|PAYMENT|COMMISSION|PLAN|DUPLICATE|PARKED|SIGNIN|SESSION)#"
)


def test_no_module_but_keys_builds_a_key_string() -> None:
    # Given every Python file outside shared/keys.py and the tests
    offenders = []
    for path in [*ROOT.glob("shared/**/*.py"), *ROOT.glob("functions/**/*.py"), *ROOT.glob("devstack/*.py")]:
        if path.name == "keys.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.JoinedStr):
                first = node.values[0] if node.values else None
                if isinstance(first, ast.Constant) and KEY_PREFIX.match(str(first.value)):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    # Then none of them spells a key
    assert offenders == []


def test_api_keys_and_emails_are_hashed_in_keys() -> None:
    key = keys.partner_api_key(keys.sha256_hex("rpk_secret"))
    assert "rpk_secret" not in str(key)
    claim = keys.partner_email_claim("default", "ada@example.com")
    assert "ada@example.com" not in str(claim)


def test_payout_key_is_unique_per_partner_period_currency() -> None:
    assert keys.payout("p1", "2026-10", "USD") != keys.payout("p1", "2026-10", "EUR")
    assert keys.payout("p1", "2026-10", "USD") == keys.payout("p1", "2026-10", "USD")
