"""``azint whatif``: each failure with the pairs it cuts and the paths it moves, as a table
(ranked: most pairs lost first) or JSON."""

from __future__ import annotations

from typing import Any

from azint.gate.pairs import Pair
from azint.gate.sweep import Effect, Moved, Sweep
from azint.render.jsonout import dumps
from azint.render.tables import Block, Heading, Paragraph, table

SHOWN = 4  # pairs listed per cell; the JSON lists them all


def pair_text(pair: Pair) -> str:
    return f"{pair[0]}->{pair[1]}"


def moved_text(moved: Moved) -> str:
    before, after = moved.before, moved.after
    if before.summary != after.summary:
        return f"{pair_text(moved.pair)} ({', '.join(before.summary)} => {', '.join(after.summary)})"
    new = [name for name in after.path if name not in before.path]
    shown = ", ".join(new[:2]) + (", ..." if len(new) > 2 else "")
    return f"{pair_text(moved.pair)} (now via {shown or 'the same elements in another order'})"


def _listed(texts: list[str]) -> str:
    more = len(texts) - SHOWN
    return "; ".join(texts[:SHOWN]) + (f"; ... (+{more})" if more > 0 else "") if texts else "-"


def whatif_document(found: Sweep, depth: int) -> list[Block]:
    together = depth >= 2
    gains = any(e.gained for e in found.effects)
    columns = ["Down", "Kind", "Lost", *(["Only together"] if together else []), "Moved",
               *(["Gained"] if gains else []), "Pairs lost", "Paths moved"]
    rows = []
    for effect in found.effects:
        rows.append([" + ".join(effect.down), " + ".join(k.value for k in effect.kinds),
                     str(len(effect.lost)), *([str(len(effect.alone))] if together else []),
                     str(len(effect.moved)), *([_listed([pair_text(p.pair) for p in effect.gained])]
                                               if gains else []),
                     _listed([pair_text(p.pair) for p in effect.lost]),
                     _listed([moved_text(p) for p in effect.moved])])
    what = "two elements fail together" if together else "one element fails"
    return [Heading(f"What if {what}: {len(found.effects)} cases, {found.pairs} pairs of "
                    f"networks ({found.reachable} reachable)"),
            table(columns, rows),
            Paragraph("Lost = pairs reachable before and not after; Moved = pairs still reachable "
                      "over another path; ranked by pairs lost."
                      + (" Only together = pairs lost only when both fail." if together else ""))]


def whatif_json(topology: str, down: tuple[str, ...], found: Sweep, depth: int) -> str:
    return dumps({"command": "whatif", "topology": topology, "down": list(down), "depth": depth,
                  "pairs": found.pairs, "reachable": found.reachable,
                  "failures": [_effect_json(e) for e in found.effects]})


def _effect_json(effect: Effect) -> dict[str, Any]:
    return {"down": list(effect.down), "kinds": [k.value for k in effect.kinds],
            "lost": [_moved_json(p) for p in effect.lost],
            "moved": [_moved_json(p) for p in effect.moved],
            "gained": [_moved_json(p) for p in effect.gained],
            "lost_only_together": [list(p) for p in effect.alone],
            "walked": effect.walked}


def _moved_json(moved: Moved) -> dict[str, Any]:
    return {"source": moved.pair[0], "target": moved.pair[1],
            "before": {"path": list(moved.before.path), "connections": list(moved.before.summary)},
            "after": {"reachable": moved.after.reachable, "path": list(moved.after.path),
                      "connections": list(moved.after.summary),
                      "reason": moved.after.reason or None}}
