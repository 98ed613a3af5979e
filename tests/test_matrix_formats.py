"""``azint matrix --format markdown|html``: the same cells as the table, for a review or a browser.

Each cell of the Markdown table and of the HTML page is checked against the computed matrix (what
was reached, what was delivered without a reply, what was dropped); the reference network's
pages are goldens.
"""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from azint.data.matrix import Matrix, reachability
from azint.network import Network
from azint.topology import loader
from tests.conftest import Run, golden, topology
from tests.test_properties import topologies


def computed(name: str | None = None, *down: str) -> Matrix:
    return reachability(Network.of(loader.load(Path(name) if name else None), down).prober)


class Cells(HTMLParser):
    """The body rows of the first table: (row header, [(class, text) per cell])."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, list[tuple[str, str]]]] = []
        self.tables = 0
        self._in: str | None = None
        self._class = ""
        self._body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables += 1
        if tag == "tbody" and self.tables == 1:
            self._body = True
        if self._body and tag == "tr":
            self.rows.append(("", []))
        if self._body and tag in ("th", "td"):
            self._in, self._class = tag, dict(attrs).get("class") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._body = False
        if tag in ("th", "td"):
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "th" and self._body:
            self.rows[-1] = (data, self.rows[-1][1])
        elif self._in == "td" and self._body:
            self.rows[-1][1].append((self._class, data))


def outcome(matrix: Matrix, source: str, target: str) -> tuple[str, str]:
    cell = matrix.cells.get((source, target))
    if cell is None:
        return "none", "-" if source == target else "no endpoint"
    if cell.reachable:
        return "reached", cell.text
    return ("lost" if cell.delivered else "dropped"), "no"


@pytest.mark.parametrize("name", [None, topology("causes"), topology("nva-hub")])
def test_html_cells_are_coloured_by_outcome(azint: Callable[..., Run], name: str | None) -> None:
    """Each cell's class is its outcome: reached (an echo reply), lost (delivered, no reply:
    causes.yaml's dc -> spoke-on), dropped; the diagonal and endpoint-less networks are none."""
    matrix = computed(name)
    run = azint("matrix", "--format", "html", *(["--topology", name] if name else []))
    assert run.code == 0, run.err
    page = Cells()
    page.feed(run.out)
    expected = [(s, [outcome(matrix, s, t) for t in matrix.listed]) for s in matrix.listed]
    assert page.rows == expected
    assert {c for _, row in page.rows for c, _ in row} >= {"reached", "none"}
    assert run.out.startswith("<!DOCTYPE html>\n") and run.out.endswith("</html>\n")


def test_lost_replies_have_their_own_colour(azint: Callable[..., Run]) -> None:
    run = azint("matrix", "--format", "html", "--topology", topology("causes"))
    assert 'td.lost { background: #fff3e0;' in run.out
    assert '<td class="lost" title="the echo reply does not come back">no</td>' in run.out


def test_markdown_rows_are_the_table_rows(azint: Callable[..., Run]) -> None:
    """The Markdown table holds the text table's cells, unreachable ones in bold."""
    matrix = computed(None, "er1-primary")
    run = azint("matrix", "--format", "markdown", "--down", "er1-primary")
    rows = [line for line in run.out.splitlines() if line.startswith("| **")]
    for source, row in zip(matrix.listed, rows, strict=True):
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[0] == f"**{source}**"
        shown = [outcome(matrix, source, t)[1] for t in matrix.listed]
        assert cells[1:] == [f"**{s}**" if s == "no" else s for s in shown]
    assert run.out.startswith("**Reachability: ping from each row's first endpoint to each "
                              "column's (down: er1-primary)**\n")


def test_goldens(azint: Callable[..., Run]) -> None:
    golden("matrix.md", azint("matrix", "--format", "markdown").out)
    golden("matrix-er1-primary-down.html",
           azint("matrix", "--format", "html", "--down", "er1-primary").out)


def test_existing_forms_are_unchanged(azint: Callable[..., Run]) -> None:
    """--format table and csv are the plain command and --csv; --json still wins."""
    assert azint("matrix", "--format", "table").out == azint("matrix").out
    assert azint("matrix", "--format", "csv").out == azint("matrix", "--csv").out
    assert azint("matrix", "--format", "html", "--json").out == azint("matrix", "--json").out


def test_two_formats_at_once_is_a_usage_error(azint: Callable[..., Run]) -> None:
    run = azint("matrix", "--csv", "--format", "markdown")
    assert (run.code, run.out) == (2, "")
    assert run.err == "azint: error: --csv and --format markdown ask for two formats; give one\n"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=topologies(), quirk=st.sampled_from(["", "\"q\"", "é", "a\\\\b"]))
def test_the_json_document_is_the_matrix_as_json_dumps_writes_it(
        tmp_path: Path, doc: dict[str, object], quirk: str) -> None:
    """``--json`` writes its cells one by one; the text is what ``json.dumps`` (indent 2) gives
    for the whole document, names that need escaping included, and it reads back to every cell."""
    import json

    from azint.render.jsonout import dumps
    from azint.render.matrix import matrix_json
    from tests.test_properties import _write

    matrix = reachability(Network.open(_write(tmp_path, doc)).prober)
    name = f"zone{quirk}"
    expected = dumps({
        "command": "matrix", "topology": name, "down": [], "networks": list(matrix.networks),
        "no_endpoint": list(matrix.no_endpoint),
        "cells": [{"source": c.source, "target": c.target, "reachable": c.reachable,
                   "delivered": c.delivered, "text": c.text,
                   "mechanisms": [{"kind": m.kind, "name": m.name, "token": m.token}
                                  for m in c.mechanisms],
                   "reason": c.reason or None} for c in matrix.cells.values()]})
    written = matrix_json(name, matrix, ())
    assert written == expected
    assert len(json.loads(written)["cells"]) == len(matrix.cells)
