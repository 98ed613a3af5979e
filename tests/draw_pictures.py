"""Draw the pictures of docs/diagrams.md from the model (``make pictures``).

The reference network, and the path of ``tracert hub 10.2.30.10`` over it (ExpressRoute 1, two
timed-out hops), as SVG and PNG through Graphviz's ``dot``: the same text ``azint diagram
--format dot [--path hub 10.2.30.10]`` prints. Nothing here is drawn by hand.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from azint.cli.picture import drawing
from azint.data.endpoints import resolve_source, resolve_target
from azint.data.probes import TraceResult
from azint.network import Network
from azint.topology import loader

DOCS = Path(__file__).parent.parent / "docs"
# (file name without suffix, --path SOURCE TARGET or None)
PICTURES: tuple[tuple[str, tuple[str, str] | None], ...] = (
    ("diagram-reference", None),
    ("diagram-path-hub-location1", ("hub", "10.2.30.10")),
)


def trace(network: Network, ends: tuple[str, str] | None) -> TraceResult | None:
    if ends is None:
        return None
    sender = resolve_source(network.topology, ends[0])
    return network.prober.tracert(sender, resolve_target(network.topology, ends[1]).address)


def dot_text(name: str) -> str:
    """The DOT of one picture, as ``azint diagram --format dot`` prints it."""
    ends = dict(PICTURES)[name]
    network = Network.of(loader.load(None))
    return drawing(network, trace(network, ends), "dot")


def draw(folder: Path) -> list[Path]:
    program = shutil.which("dot")
    if program is None:
        raise SystemExit("draw_pictures: Graphviz's dot is not installed")
    written = []
    for name, _ in PICTURES:
        text = dot_text(name)
        for suffix in ("svg", "png"):
            target = folder / f"{name}.{suffix}"
            subprocess.run([program, f"-T{suffix}", "-o", str(target)], input=text.encode(),
                           check=True)
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--into", type=Path, default=DOCS, help="folder to write to [docs/]")
    options = parser.parse_args(argv)
    for path in draw(options.into):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
