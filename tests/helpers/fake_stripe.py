"""A local HTTP server speaking Stripe's POST and GET /v1/transfers (and, for Connect onboarding, POST
/v1/accounts, GET /v1/accounts/{id}, POST /v1/account_links), for tests and the benchmark.

It honours Idempotency-Key as Stripe does: the first request with a key is executed and its response
(success or a decline) stored; a later request with the same key and parameters gets the stored response and
creates nothing; the same key with other parameters is an idempotency_error. Rate-limited (429) requests
are not stored, as on Stripe. Tests can make it fail: rate limits, an account not ready for transfers, an
insufficient platform balance, or a response lost after the transfer was made.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl


@dataclass
class FakeTransfer:
    """A transfer the fake made."""

    id: str
    amount: int
    currency: str
    destination: str
    transfer_group: str | None
    metadata: dict[str, str]
    idempotency_key: str | None


@dataclass
class FakeStripe:
    """State and failure switches of the fake; `transfers` lists every transfer actually made."""

    transfers: list[FakeTransfer] = field(default_factory=list)
    requests: int = 0
    rate_limit_next: int = 0
    lose_response_next: int = 0
    insufficient_balance: bool = False
    accounts_not_ready: set[str] = field(default_factory=set)
    _responses: dict[str, tuple[dict[str, str], int, dict[str, Any]]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None
    # Connect onboarding (the portal's payout settings): Express accounts, their Account Links, and which
    # accounts finished onboarding (a test moves an account here to play the partner completing Stripe's form).
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    account_links: list[dict[str, str]] = field(default_factory=list)
    onboarded: set[str] = field(default_factory=set)
    _account_keys: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """Base URL to give the Stripe client."""
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def transfers_for(self, payout_id: str) -> list[FakeTransfer]:
        """Transfers whose metadata names this payout."""
        return [t for t in self.transfers if t.metadata.get("payout_id") == payout_id]

    def handle(self, key: str | None, params: dict[str, str]) -> tuple[int, dict[str, Any], bool]:
        """(status, body, drop_connection) for one POST /v1/transfers."""
        with self._lock:
            self.requests += 1
            if self.rate_limit_next > 0:
                self.rate_limit_next -= 1
                return 429, _error("rate_limit_error", "rate_limit", "Too many requests"), False
            if key is not None and key in self._responses:
                stored_params, status, body = self._responses[key]
                if stored_params != params:
                    message = "Keys for idempotent requests can only be used with the same parameters."
                    return 400, _error("idempotency_error", "idempotency_key_in_use", message), False
                return status, body, False
            status, body = self._execute(params)
            if key is not None:
                self._responses[key] = (params, status, body)
            drop = False
            if status == 200 and self.lose_response_next > 0:
                self.lose_response_next -= 1
                drop = True
            return status, body, drop

    def forget_idempotency_keys(self) -> None:
        """What Stripe does to keys older than 24 hours: a retry after that can create a second transfer."""
        with self._lock:
            self._responses.clear()

    def list_transfers(self, query: dict[str, str]) -> dict[str, Any]:
        """GET /v1/transfers?transfer_group=&destination=: Stripe's list object, newest first."""
        group, destination = query.get("transfer_group"), query.get("destination")
        with self._lock:
            self.requests += 1
            found = [
                t
                for t in reversed(self.transfers)
                if (group is None or t.transfer_group == group)
                and (destination is None or t.destination == destination)
            ]
        data = [
            {
                "id": t.id,
                "object": "transfer",
                "amount": t.amount,
                "currency": t.currency,
                "destination": t.destination,
                "transfer_group": t.transfer_group,
                "metadata": t.metadata,
                "reversed": False,
            }
            for t in found
        ]
        return {"object": "list", "url": "/v1/transfers", "has_more": False, "data": data}

    def _execute(self, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        destination = params.get("destination", "")
        if destination in self.accounts_not_ready:
            message = "Your destination account needs to have the transfers capability enabled."
            return 400, _error("invalid_request_error", "insufficient_capabilities_for_transfer", message)
        if self.insufficient_balance:
            message = "You have insufficient available funds in your Stripe account."
            return 400, _error("invalid_request_error", "balance_insufficient", message)
        metadata = {k[len("metadata[") : -1]: v for k, v in params.items() if k.startswith("metadata[")}
        transfer = FakeTransfer(
            id=f"tr_fake{next(self._ids):08d}",
            amount=int(params["amount"]),
            currency=params["currency"],
            destination=destination,
            transfer_group=params.get("transfer_group"),
            metadata=metadata,
            idempotency_key=None,
        )
        self.transfers.append(transfer)
        return 200, {
            "id": transfer.id,
            "object": "transfer",
            "amount": transfer.amount,
            "currency": transfer.currency,
            "destination": transfer.destination,
            "transfer_group": transfer.transfer_group,
            "metadata": metadata,
            "livemode": False,
            "reversed": False,
        }

    def create_account(self, key: str | None, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """POST /v1/accounts (Express only); the same Idempotency-Key answers the same account."""
        with self._lock:
            if key and key in self._account_keys:
                return 200, self.account(self._account_keys[key])
            if params.get("type") != "express":
                return 400, _error("invalid_request_error", "parameter_invalid", "only express accounts here")
            account_id = f"acct_fake{next(self._ids):06d}"
            self.accounts[account_id] = {
                "id": account_id,
                "object": "account",
                "type": "express",
                "email": params.get("email"),
                "metadata": {k[9:-1]: v for k, v in params.items() if k.startswith("metadata[")},
            }
            if key:
                self._account_keys[key] = account_id
            return 200, self.account(account_id)

    def account(self, account_id: str) -> dict[str, Any]:
        """GET /v1/accounts/{id}: the account with its onboarding flags."""
        done = account_id in self.onboarded
        return {
            **self.accounts[account_id],
            "details_submitted": done,
            "payouts_enabled": done,
            "charges_enabled": done,
        }

    def create_account_link(self, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """POST /v1/account_links: a one-time onboarding URL for an existing account."""
        if params.get("account") not in self.accounts:
            return 400, _error("invalid_request_error", "resource_missing", "no such account")
        self.account_links.append(params)
        url = f"https://connect.stripe.com/setup/e/{params['account']}/fake{len(self.account_links)}"
        return 200, {"object": "account_link", "url": url, "expires_at": 1893456000, "created": 1893455700}

    def reset(self) -> FakeStripe:
        """A clean Stripe account again (one server per test module, a fresh account per test)."""
        self.transfers.clear()
        self._responses.clear()
        self.rate_limit_next = self.lose_response_next = self.requests = 0
        self.insufficient_balance = False
        self.accounts_not_ready = set()
        return self

    def start(self) -> FakeStripe:
        """Listen on a free local port in a background thread."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                params = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                if self.path == "/v1/accounts":
                    (status, body), drop = fake.create_account(self.headers.get("Idempotency-Key"), params), False
                elif self.path == "/v1/account_links":
                    (status, body), drop = fake.create_account_link(params), False
                elif self.path != "/v1/transfers":
                    status, body, drop = 404, _error("invalid_request_error", "resource_missing", "no route"), False
                else:
                    status, body, drop = fake.handle(self.headers.get("Idempotency-Key"), params)
                if drop:
                    self.close_connection = True
                    self.connection.close()
                    return
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.send_header("Request-Id", "req_fake")
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                path, _, query = self.path.partition("?")
                if path.startswith("/v1/accounts/") and path[13:] in fake.accounts:
                    status, body = 200, fake.account(path[13:])
                elif path != "/v1/transfers":
                    status, body = 404, _error("invalid_request_error", "resource_missing", "no route")
                else:
                    status, body = 200, fake.list_transfers(dict(parse_qsl(query)))
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *_: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Shut the server down."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def _error(kind: str, code: str, message: str) -> dict[str, Any]:
    return {"error": {"type": kind, "code": code, "message": message}}
