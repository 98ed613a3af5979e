"""``azint verify routes``: the model's effective routes against Azure's, as tables and JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from azint.render.jsonout import dumps
from azint.render.tables import Block, Heading, Paragraph, table
from azint.sources.effective import Comparison, EffectiveRoute

COLUMNS = ("Source", "State", "Address Prefix", "Next Hop Type", "Next Hop IP")


def _cells(route: EffectiveRoute) -> tuple[str, ...]:
    return (route.source, route.state, str(route.prefix), route.next_hop_type,
            ", ".join(map(str, route.next_hop_ips)))


def verify_document(vnet: str, subnet: str | None, found: Comparison) -> list[Block]:
    where = f"VNet {vnet}" + (f", subnet {subnet}" if subnet else "")
    if found.agree:
        return [Paragraph(f"Azure and the model agree on the effective routes of {where} "
                          f"({found.agreeing} routes).")]
    blocks: list[Block] = [Heading(f"Effective routes of {where}: Azure and the model disagree")]
    if found.only_azure:
        blocks.append(table(COLUMNS, [_cells(r) for r in found.only_azure], "Only in Azure"))
    if found.only_model:
        blocks.append(table(COLUMNS, [_cells(r) for r in found.only_model], "Only in the model"))
    if found.different:
        rows = [(side, *_cells(r)) for pair in found.different
                for side, r in zip(("Azure", "model"), pair, strict=True)]
        blocks.append(table(("", *COLUMNS), rows, "Different"))
    blocks.append(Paragraph(f"{found.agreeing} routes agree; {len(found.only_azure)} only in "
                            f"Azure, {len(found.only_model)} only in the model, "
                            f"{len(found.different)} different."))
    return blocks


def _json(route: EffectiveRoute) -> dict[str, Any]:
    return {"source": route.source, "state": route.state, "address_prefix": str(route.prefix),
            "next_hop_type": route.next_hop_type,
            "next_hop_ips": [str(a) for a in route.next_hop_ips]}


def verify_json(topology: str, down: Sequence[str], vnet: str, subnet: str | None,
                found: Comparison) -> str:
    return dumps({"command": "verify routes", "topology": topology, "down": list(down),
                  "network": vnet, "subnet": subnet, "agree": found.agree,
                  "agreeing": found.agreeing,
                  "only_azure": [_json(r) for r in found.only_azure],
                  "only_model": [_json(r) for r in found.only_model],
                  "different": [{"azure": _json(a), "model": _json(b)}
                                for a, b in found.different]})
