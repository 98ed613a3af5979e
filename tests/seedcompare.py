"""Compare a computed tracert/ping with a transcript of Microsoft's data-plane article.

Same header, same hops in the same order (addresses and ``Request timed out.`` rows), same footer,
and round-trip times within 2 ms or 10% of the article's — its occasional slow first probe aside.
The article's pings are edited (``...`` stands for elided lines), so a ``...`` matches any lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HOP = re.compile(r"^\s*(\d+)\s{2}((?:\s*(?:\*|<?\d+ ms))*)\s+(\S.*)$")


@dataclass(frozen=True)
class Hop:
    number: int
    probes: tuple[int | None, ...]  # None: timed out; 0: "<1 ms"
    address: str


def parse_tracert(text: str) -> tuple[str, list[Hop], str]:
    lines = [line for line in text.splitlines() if line.strip()]
    header, footer = lines[0], lines[-1]
    hops = []
    for line in lines[1:-1]:
        match = HOP.match(line)
        assert match, f"not a hop line: {line!r}"
        probes = tuple(None if p == "*" else (0 if p.startswith("<") else int(p.split()[0]))
                       for p in re.findall(r"\*|<?\d+ ms", match.group(2)))
        hops.append(Hop(int(match.group(1)), probes, match.group(3).strip()))
    return header, hops, footer


def close(article: int | None, model: int | None) -> bool:
    if article is None or model is None:
        return article is model
    return abs(article - model) <= max(2, 0.1 * article)


def slow_first_probe(probes: tuple[int | None, ...]) -> bool:
    rest = [p for p in probes[1:] if p is not None]
    return bool(rest) and probes[0] is not None and probes[0] > 3 * max(max(rest), 1) + 2


def tracert_differences(article: str, model: str) -> list[str]:
    """Every way ``model`` departs from ``article``; empty when they agree."""
    a_head, a_hops, a_foot = parse_tracert(article)
    m_head, m_hops, m_foot = parse_tracert(model)
    found = []
    if a_head != m_head:
        found.append(f"header {m_head!r} != {a_head!r}")
    if a_foot != m_foot:
        found.append(f"footer {m_foot!r} != {a_foot!r}")
    if [(h.number, h.address) for h in a_hops] != [(h.number, h.address) for h in m_hops]:
        found.append(f"hops {[h.address for h in m_hops]} != {[h.address for h in a_hops]}")
        return found
    for a, m in zip(a_hops, m_hops, strict=True):
        probes = list(zip(a.probes, m.probes, strict=True))
        if slow_first_probe(a.probes):
            probes = probes[1:]
        for article_ms, model_ms in probes:
            if not close(article_ms, model_ms):
                found.append(f"hop {a.number}: {m.probes} ms vs article {a.probes}")
                break
    return found


def ping_differences(article: str, model: str) -> list[str]:
    """Line by line, where the article's ``...`` may stand for any number of lines."""
    a_lines = [line for line in article.splitlines() if line.strip()]
    m_lines = [line for line in model.splitlines() if line.strip()]
    pattern = "\n".join(".*?" if line.strip() == "..." else re.escape(line) for line in a_lines)
    if re.fullmatch(pattern, "\n".join(m_lines), re.DOTALL):
        return []
    return [f"ping output differs:\n{model}\narticle:\n{article}"]
