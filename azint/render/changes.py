"""``azint diff``: the changes between two topologies as text, Markdown (for a pull request
comment) and JSON."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from azint.gate.changes import Changes, PairChange, Row, RowChange
from azint.gate.pairs import PairState
from azint.render.jsonout import dumps


def state_text(state: PairState) -> str:
    if not state.reachable:
        return f"unreachable ({state.reason})"
    path = state.summary if state.summary else state.path
    return f"reachable over {', '.join(path)}" if path else "reachable"


def path_change_text(change: PairChange) -> tuple[str, str]:
    """Before and after; when the connections are the same, every element the path crosses."""
    before, after = change.before, change.after
    if before.reachable and after.reachable and before.summary == after.summary:
        return (f"reachable via {', '.join(before.path)}", f"reachable via {', '.join(after.path)}")
    return state_text(before), state_text(after)


def row_text(row: Row) -> str:
    return "  ".join(part for part in row if part)


def counts(changes: Changes) -> str:
    kinds = [c.change for c in changes.rows]
    return (f"{len(changes.rows)} route-table rows ({kinds.count('added')} added, "
            f"{kinds.count('removed')} removed, {kinds.count('changed')} changed), "
            f"{len(changes.pairs)} pairs changed")


def diff_text(old: str, new: str, changes: Changes) -> str:
    if not changes.any:
        return f"No changes between {old} and {new}.\n"
    lines = [f"Changes from {old} to {new}: {counts(changes)}"]
    lines += [f"Network added: {n}" for n in changes.networks_added]
    lines += [f"Network removed: {n}" for n in changes.networks_removed]
    if changes.rows:
        lines += ["", "Route tables"]
        for (network, table), group in groupby(changes.rows, key=lambda c: (c.network, c.table)):
            lines.append(f"  {network}, {table}")
            lines += [f"    {line}" for change in group for line in _row_lines(change)]
    if changes.pairs:
        lines += ["", "Pairs"]
        for change in changes.pairs:
            before, after = path_change_text(change)
            lines += [f"  {change.pair[0]} -> {change.pair[1]}", f"    before: {before}",
                      f"    after:  {after}"]
    return "\n".join(lines) + "\n"


def _row_lines(change: RowChange) -> list[str]:
    if change.before is None:
        assert change.after is not None
        return [f"+ {row_text(change.after)}"]
    if change.after is None:
        return [f"- {row_text(change.before)}"]
    return [f"- {row_text(change.before)}", f"+ {row_text(change.after)}"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or " "


def diff_markdown(old: str, new: str, changes: Changes) -> str:
    title = f"### azint diff: `{old}` → `{new}`"
    if not changes.any:
        return f"{title}\n\nNo changes: every route table and every pair is the same.\n"
    lines = [title, "", counts(changes).capitalize() + "."]
    lines += [f"* Network added: `{n}`" for n in changes.networks_added]
    lines += [f"* Network removed: `{n}`" for n in changes.networks_removed]
    if changes.pairs:
        lines += ["", "#### Reachability and paths", "", "| From | To | Before | After |",
                  "|---|---|---|---|"]
        for moved in changes.pairs:
            before, after = path_change_text(moved)
            lines.append(f"| {_cell(moved.pair[0])} | {_cell(moved.pair[1])} | "
                         f"{_cell(before)} | {_cell(after)} |")
    if changes.rows:
        lines += ["", "#### Route tables", "",
                  "| Network | Table | Change | Source | Prefix | Next hop type | Next hop | "
                  "Detail |", "|---|---|---|---|---|---|---|---|"]
        for change in changes.rows:
            sides = ((change.change, change.before or change.after),) \
                if change.change != "changed" else \
                (("changed from", change.before), ("changed to", change.after))
            for label, row in sides:
                if row is not None:
                    cells = [change.network, change.table, label, *row]
                    lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def diff_json(old: str, new: str, changes: Changes) -> str:
    return dumps({"command": "diff", "old": old, "new": new, "changed": changes.any,
                  "networks_added": list(changes.networks_added),
                  "networks_removed": list(changes.networks_removed),
                  "routes": [{"network": c.network, "table": c.table, "change": c.change,
                              "before": _row_json(c.before), "after": _row_json(c.after)}
                             for c in changes.rows],
                  "pairs": [{"source": c.pair[0], "target": c.pair[1],
                             "before": _state_json(c.before), "after": _state_json(c.after)}
                            for c in changes.pairs]})


def _row_json(row: Row | None) -> dict[str, str] | None:
    return None if row is None else row._asdict()


def _state_json(state: PairState) -> dict[str, Any]:
    return {"reachable": state.reachable, "path": list(state.path),
            "connections": list(state.summary), "reason": state.reason or None}
