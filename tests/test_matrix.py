"""``azint matrix`` against the reachability table of docs/reference-network.md, and its rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from azint.data.matrix import reachability
from azint.network import Network
from azint.render.matrix import matrix_document
from azint.render.tables import Display, render
from tests.conftest import golden, topology

REFERENCE_NETWORK = Path(__file__).parent.parent / "docs" / "reference-network.md"

# The table's words as the matrix's tokens. Reaching the branch through the hub VPN gateway
# implies the VPN connection behind it; "(VPN when ER1 is down)" is checked by the --down tests.
PHRASES = {
    "peering": {"peering"}, "VPN": {"vpn"}, "ER1": {"er1"}, "ER2": {"er2"},
    "hub VPN gw": {"hub-vpn-gw", "vpn"}, "hub ER gw": {"hub-er-gw"},
    "transit through hub VPN gw": {"hub-vpn-gw"},
}
TRANSPORTS = {"peering", "vpn", "er1", "er2"}


def documented_table() -> list[str]:
    """The reachability table's rows, read from the docs (the reference the matrix must match)."""
    text = REFERENCE_NETWORK.read_text()
    start = text.index("<!-- reachability table")
    end = text.index("<!-- end of reachability table")
    rows = [line for line in text[start:end].splitlines()[1:] if line.startswith("|")]
    return [row for row in rows if not set(row) <= set("|- ")]  # drop the |---| rule


def documented_cells() -> dict[tuple[str, str], set[str] | None]:
    """(from, to) -> the tokens the documented table names, or None for **no**."""
    lines = [[c.strip() for c in line.strip("|").split("|")] for line in documented_table()]
    header, rows = lines[0][1:], lines[1:]
    cells: dict[tuple[str, str], set[str] | None] = {}
    for row in rows:
        for target, text in zip(header, row[1:], strict=True):
            if text == "\u2013":
                continue
            words = re.sub(r"\s*\(.*\)", "", text)
            cells[(row[0], target)] = None if words == "**no**" else set().union(
                *(PHRASES[w.strip()] for w in words.split(",")))
    return cells


def test_documented_table_has_every_pair() -> None:
    assert len(documented_cells()) == 6 * 5


@pytest.fixture(scope="module")
def matrix():  # type: ignore[no-untyped-def]
    return reachability(Network.open().prober)


@pytest.mark.parametrize("cell", sorted(documented_cells()), ids=lambda c: f"{c[0]}->{c[1]}")
def test_every_cell_matches_the_documented_table(matrix, cell: tuple[str, str]) -> None:
    expected = documented_cells()[cell]
    found = matrix.cell(*cell)
    assert found.reachable is (expected is not None), found
    if expected is None:
        assert found.text == "no"
        return
    tokens = {m.token for m in found.mechanisms}
    assert tokens & TRANSPORTS == expected & TRANSPORTS
    assert expected <= tokens  # every gateway the table names is crossed
    for extra in tokens - expected - TRANSPORTS:  # more detail: only gateways of neither end
        assert extra.split("-")[0] not in cell, extra


def test_matrix_covers_every_network_with_an_endpoint(matrix) -> None:
    assert set(matrix.networks) == {"hub", "spoke", "branch", "location1", "location2", "remote"}
    assert len(matrix.cells) == 6 * 5


def test_mechanisms_come_in_crossing_order(matrix) -> None:
    assert matrix.cell("spoke", "location1").text == "hub-er-gw+er1"
    assert matrix.cell("location1", "spoke").text == "er1+hub-er-gw"
    assert matrix.cell("branch", "location1").text == "vpn+hub-vpn-gw+vpn"
    names = [m.name for m in matrix.cell("branch", "location1").mechanisms]
    assert names == ["hub-branch", "vpngw:hub", "loc1-vpn"]


def test_er1_primary_down_flips_exactly_the_cells_the_rules_say(matrix) -> None:
    down = reachability(Network.open(None, ["er1-primary"]).prober)
    flipped = {k for k, c in down.cells.items() if c.reachable != matrix.cells[k].reachable}
    assert flipped == {("location1", "remote"), ("remote", "location1")}
    for other in ("hub", "spoke", "branch"):  # location1 keeps these, over the VPN
        for cell in (down.cell("location1", other), down.cell(other, "location1")):
            tokens = {m.token for m in cell.mechanisms}
            assert cell.reachable and "vpn" in tokens and "er1" not in tokens, cell
    changed = {k for k, c in down.cells.items() if c.text != matrix.cells[k].text}
    assert changed == {(a, b) for a in ("hub", "spoke", "remote") for b in ("location1",)} | {
        ("location1", b) for b in ("hub", "spoke", "remote")}


def test_global_reach_joins_two_circuits_and_only_it(azint) -> None:
    joined = azint("matrix", "--topology", topology("two-circuits"), "--json").json()
    cells = {(c["source"], c["target"]): c for c in joined["cells"]}
    assert cells[("east", "west")]["text"] == "c1+c2"
    apart = azint("matrix", "--topology", topology("two-circuits"), "--down", "reach",
                  "--json").json()
    cells = {(c["source"], c["target"]): c for c in apart["cells"]}
    assert not cells[("east", "west")]["reachable"]
    assert cells[("east", "core")]["text"] == "c1"


def test_no_transit_between_expressroute_and_vpn_unless_branch_to_branch(azint,
                                                                          tmp_path: Path) -> None:
    plain = azint("matrix", "--topology", topology("er-vpn"), "--csv").out.splitlines()
    assert plain[2] == "branch,vpn,-,no"
    text = Path(topology("er-vpn")).read_text()
    b2b = tmp_path / "b2b.yaml"
    b2b.write_text(text.replace("    region: r1\n",
                                "    region: r1\n    branch_to_branch: true\n", 1))
    opened = azint("matrix", "--topology", str(b2b), "--csv").out.splitlines()
    assert opened[2] == "branch,vpn,-,vpn+hub-vpn-gw+hub-er-gw+c1"


@pytest.mark.parametrize("args, name", [
    ((), "matrix"), (("--down", "er1-primary"), "matrix-er1-primary-down")])
def test_golden(azint, args: tuple[str, ...], name: str) -> None:
    golden(f"{name}.txt", azint("matrix", *args).out)
    golden(f"{name}.json", azint("matrix", *args, "--json").out)
    golden(f"{name}.csv", azint("matrix", *args, "--csv").out)


def test_piped_output_is_plain_and_a_terminal_gets_colour(matrix, azint) -> None:
    assert "\x1b[" not in azint("matrix").out
    document = matrix_document(matrix, ())
    coloured = render(document, Display(terminal=True, width=140, color=True))
    assert "\x1b[31" in coloured or "\x1b[1;31" in coloured  # "no" in red
    assert "hub-er-gw+er1" in coloured
    monochrome = render(document, Display(terminal=True, width=140, color=False))
    assert "\x1b[31" not in monochrome and "\x1b[1;31" not in monochrome


def test_a_virtual_appliance_on_the_way_is_named(azint) -> None:
    """A user route to a VirtualAppliance sends spoke-to-spoke traffic through the hub's NVA
    ("Hub-spoke network topology in Azure", https://learn.microsoft.com/azure/architecture/
    networking/architecture/hub-spoke; "Virtual network traffic routing", user-defined routes,
    https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview): the cell
    names the appliance, and the peering on each side of it, in crossing order."""
    found = azint("matrix", "--topology", topology("nva-hub"), "--json").json()
    cells = {(c["source"], c["target"]): c for c in found["cells"]}
    assert cells[("spoke1", "spoke2")]["text"] == "peering+nva:fw+peering"
    names = [(m["kind"], m["name"]) for m in cells[("spoke1", "spoke2")]["mechanisms"]]
    assert names == [("peering", "hub-spoke1"), ("appliance", "fw"), ("peering", "hub-spoke2")]
    assert cells[("spoke2", "hub")]["text"] == "peering"  # the hub's own range: no appliance


def test_networks_without_endpoints_are_listed(azint) -> None:
    found = azint("matrix", "--topology", topology("nva-hub"), "--json").json()
    assert found["networks"] == ["hub", "spoke1", "spoke2"]
    assert found["no_endpoint"] == ["shared"]
    csv_rows = azint("matrix", "--topology", topology("nva-hub"), "--csv").out.splitlines()
    assert csv_rows[0] == "from \\ to,hub,shared,spoke1,spoke2"
    assert csv_rows[2] == "shared,no endpoint,-,no endpoint,no endpoint"
    assert csv_rows[3].split(",")[2] == "no endpoint"
    text = azint("matrix", "--topology", topology("nva-hub")).out
    assert re.search(r"^shared +no endpoint +- +no endpoint +no endpoint$", text, re.M), text
