"""Endpoint URLs and the addresses deliveries may go to: public HTTPS only in AWS (SSRF), loopback http on a
local stack. Pure rules: no DNS, no network (resolvers are stand-ins)."""

from __future__ import annotations

import pytest

from shared.webhooks import transport
from shared.webhooks.rules import UrlRefused, address_refusal, check_resolved, check_url

REFUSED_ADDRESSES = [
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("::1", "loopback"),
    ("10.0.0.5", "private"),
    ("172.16.3.4", "private"),
    ("192.168.1.1", "private"),
    ("fd00::1", "private"),
    ("169.254.169.254", "link-local"),  # the instance metadata service
    ("fe80::1", "link-local"),
    ("224.0.0.1", "multicast"),
    ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"),  # noqa: S104 - an address under test, nothing binds it
    ("::", "unspecified"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "reserved"),  # the limited broadcast address
    ("100.64.0.1", ""),  # carrier-grade NAT
    ("198.18.0.1", ""),  # benchmarking
    ("192.0.2.10", ""),  # documentation
    ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped IPv6
    ("::ffff:169.254.169.254", "link-local"),
    ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
    ("2002:c0a8:0101::1", "private"),  # 6to4 of 192.168.1.1
    ("2001:db8::1", ""),  # documentation
]


@pytest.mark.parametrize(("address", "kind"), REFUSED_ADDRESSES)
def test_a_non_public_address_is_refused_and_the_reason_says_what_it_is(address: str, kind: str) -> None:
    # When the rules judge a non-public address
    reason = address_refusal(address)
    # Then it is refused, and the reason names the kind of address
    assert reason is not None
    assert kind in reason


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "1.1.1.1"])
def test_a_public_unicast_address_is_accepted(address: str) -> None:
    assert address_refusal(address) is None


def test_in_aws_only_public_https_urls_are_accepted() -> None:
    # Given a public HTTPS URL with a path and a query
    checked = check_url("https://hooks.example.com:8443/in/referrals?src=rp", allow_loopback=False)
    # Then it is accepted as is, its host and port known for the connection
    assert (checked.host, checked.port, checked.https, checked.loopback) == ("hooks.example.com", 8443, True, False)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://hooks.example.com/in", "https://"),
        ("http://127.0.0.1:9000/in", "https://"),
        ("https://127.0.0.1/in", "loopback"),
        ("https://10.1.2.3/in", "private"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[::1]/in", "loopback"),
        ("https://[::ffff:10.0.0.1]/in", "private"),
        ("https://localhost/in", "public"),
        ("https://db.internal/in", "public name"),
        ("https://printer.local/in", "public name"),
        ("https://intranet/in", "public DNS name"),
        ("https://user:pw@hooks.example.com/in", "user name"),
        ("https://hooks.example.com/in#frag", "fragment"),
        ("ftp://hooks.example.com/in", "https://"),
        ("//hooks.example.com/in", "https://"),
        ("https://hooks.example.com\\@evil.example/", "backslash"),
        ("https://hooks.exa mple.com/", "spaces"),
        ("https://hooks.example.com:99999/", "valid"),
        ("", "1 to"),
    ],
)
def test_a_url_deliveries_may_not_go_to_is_refused_with_a_reason_a_person_can_act_on(url: str, says: str) -> None:
    with pytest.raises(UrlRefused) as refused:
        check_url(url, allow_loopback=False)
    assert says in str(refused.value)


def test_the_local_stack_accepts_its_own_loopback_receiver_over_http() -> None:
    # Given the local stack (loopback allowed)
    checked = check_url("http://127.0.0.1:9123/hooks", allow_loopback=True)
    # Then the loopback URL is accepted, on its port
    assert (checked.host, checked.port, checked.loopback, checked.https) == ("127.0.0.1", 9123, True, False)
    # And a private address is still refused there
    with pytest.raises(UrlRefused):
        check_url("http://10.0.0.2:9123/hooks", allow_loopback=True)


def test_a_name_is_refused_when_any_of_its_addresses_is_not_public() -> None:
    # Given a name that resolves to a public and a private address (a rebinding trick rotates answers)
    # Then it is refused, naming the private answer
    with pytest.raises(UrlRefused, match=r"10\.0\.0\.7"):
        check_resolved("hooks.example.com", ["93.184.215.14", "10.0.0.7"])
    # And a name resolving to public addresses only connects to the first of them
    assert check_resolved("hooks.example.com", ["93.184.215.14", "2606:4700::1"]) == "93.184.215.14"
    with pytest.raises(UrlRefused, match="does not resolve"):
        check_resolved("hooks.example.com", [])


def test_at_delivery_time_a_name_that_now_resolves_to_a_private_address_is_not_contacted() -> None:
    # Given an endpoint registered while its name was public, whose DNS now answers with the metadata address
    endpoint = check_url("https://hooks.example.com/in", allow_loopback=False)

    def rebound(host: str, port: int) -> list[str]:
        return ["169.254.169.254"]

    # When an attempt is made
    answer = transport.post(endpoint, b"{}", {}, resolve=rebound)
    # Then no connection is made: the attempt fails with the refusal as its error
    assert answer.status_code is None
    assert answer.error is not None
    assert "refused" in answer.error
    assert "link-local" in answer.error
