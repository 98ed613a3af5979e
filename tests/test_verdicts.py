"""Verdicts agree with the printed trace: disposition, ``reached``, exit code and JSON say what the
hop lines say, and nothing the walk did beyond the last printed hop.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import Run, topology

Azint = Callable[..., Run]
ER_VPN = topology("er-vpn")


def test_hop_limit_judges_the_trace_at_the_last_printed_hop(azint: Azint) -> None:
    """dc-vm -> hub-vm crosses dc-ce, the MSEE and the ExpressRoute gateway, then arrives at hop 4:
    with ``-h 3`` the target never answers, so the verdict is TTL expired at the gateway (hop 3)."""
    short = azint("tracert", "--topology", ER_VPN, "-h", "3", "dc-vm", "hub-vm", "--json")
    document = short.json()
    assert [h["hop"] for h in document["hops"]] == [1, 2, 3]
    assert (document["reached"], document["disposition"], short.code) == (False, "TTL_EXCEEDED", 1)
    assert "ergw" in document["reason"] and "hub" in document["reason"]

    enough = azint("tracert", "--topology", ER_VPN, "-h", "4", "dc-vm", "hub-vm", "--json")
    document = enough.json()
    assert (document["reached"], document["disposition"], enough.code) == (True, "DELIVERED", 0)
    assert document["hops"][-1]["kind"] == "echo-reply"


def test_hop_limit_one_names_the_first_hop_as_where_ttl_expired(azint: Azint) -> None:
    run = azint("tracert", "--topology", ER_VPN, "-h", "1", "dc-vm", "hub-vm", "--json")
    document = run.json()
    assert document["disposition"] == "TTL_EXCEEDED" and run.code == 1
    assert document["hops"][0]["element"] is not None
    assert "dc-ce" in document["hops"][0]["element"] and "dc-ce" in document["reason"]
    assert "msee" not in document["reason"]
