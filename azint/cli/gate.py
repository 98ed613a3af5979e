"""Gate commands for CI: ``check`` (intents), ``whatif`` (failure sweeps), ``diff`` (changes)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from azint.cli.options import emit, epilog, model_options, terminal_columns
from azint.errors import ExitCode, UsageError
from azint.render.wrap import fit

if TYPE_CHECKING:
    from azint.render.annotations import Checkout

FAILED = ExitCode.UNREACHED  # 1: an intent failed
CHANGED = ExitCode.UNREACHED  # 1: diff found a change

CHECK_EXIT_CODES = epilog(
    ["azint check topologies/azure-interop.intents.yaml",
     "azint check intents.yaml --topology my-network.yaml --junit report.xml",
     "azint check intents.yaml --format github        # annotations in a GitHub Actions log"],
    "0   every intent holds",
    "1   an intent fails")


@click.command(epilog=CHECK_EXIT_CODES)
@click.option("--topology", "topology", type=click.Path(dir_okay=False, path_type=Path),
              envvar="AZINT_TOPOLOGY", show_envvar=True,
              help="Topology YAML file. [default: the intents file's 'topology', else the "
                   "bundled reference setup]")
@click.option("--junit", "junit", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              metavar="FILE", help="Also write the results as JUnit XML to FILE.")
@click.option("--format", "style", type=click.Choice(["text", "github"]), default="text",
              show_default=True, help="github: GitHub Actions annotations on the intents' lines.")
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON document (schema 1) instead of text.")
@click.argument("intents_file", metavar="INTENTS", type=click.Path(dir_okay=False, path_type=Path))
def check(intents_file: Path, topology: Path | None, junit: Path | None, style: str,
          as_json: bool) -> None:
    """Check that the network does what INTENTS (an intents YAML file) says it must.

    One line per intent: PASS, or FAIL with the model's reason. See docs/intents.md.
    """
    from azint.gate.check import check as evaluate
    from azint.gate.intents import load_intents
    from azint.render import annotations
    from azint.render import gate as rendered
    from azint.render import junit as junit_render
    from azint.topology import loader

    with _annotated(style == "github"):
        intents = load_intents(intents_file)
        model = loader.load(topology or intents.topology)
        results = evaluate(model, intents.intents)
    if junit is not None:
        try:
            junit.write_text(junit_render.junit_xml(intents.file, results), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--junit: cannot write '{junit}': {exc.strerror or exc}") from exc
    if as_json:
        click.echo(rendered.check_json(model.name, intents.file, results), nl=False)
    elif style == "github":
        click.echo(annotations.check_annotations(results, _checkout()), nl=False)
    else:
        click.echo(fit(rendered.check_text(results), terminal_columns()), nl=False)
    raise SystemExit(ExitCode.OK if all(r.passed for r in results) else FAILED)


@contextmanager
def _annotated(github: bool) -> Iterator[None]:
    """With --format github, bad input also becomes an annotation on its file's line, so the
    pull request shows it where it is; the one error handler still prints it and exits 2."""
    from azint.errors import AzintError

    try:
        yield
    except AzintError as error:
        if github and error.position is not None:
            from azint.render.annotations import error_annotation

            click.echo(error_annotation(error.message, error.position, _checkout()), nl=False)
        raise


def _checkout() -> Checkout:
    """In GitHub Actions, annotations name files from the top of the checkout."""
    from azint.render.annotations import Checkout

    workspace = os.environ.get("GITHUB_WORKSPACE") or None
    return Checkout(os.getcwd(), os.path.realpath(workspace) if workspace else None)


DIFF_EXIT_CODES = epilog(
    ["azint diff old.yaml new.yaml",
     "azint diff HEAD~1:net.yaml net.yaml --format markdown   # a git revision on one side",
     "azint diff old.yaml new.yaml --json"],
    "0   nothing changed",
    "1   something changed")


@click.command(epilog=DIFF_EXIT_CODES)
@click.option("--format", "style", type=click.Choice(["text", "markdown"]), default="text",
              show_default=True, help="markdown: tables to paste into a pull request comment.")
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON document (schema 1) instead of text.")
@click.argument("old")
@click.argument("new")
def diff(old: str, new: str, style: str, as_json: bool) -> None:
    """Show what changed from OLD to NEW: route-table rows per network, and the pairs of
    networks whose reachability or path changed.

    OLD and NEW are topology files or git revisions of one: azint diff HEAD~1:net.yaml net.yaml
    """
    from azint.gate.changes import compare
    from azint.network import Network
    from azint.render import changes as rendered
    from azint.topology.revision import load_spec

    before, after = Network.of(load_spec(old)), Network.of(load_spec(new))
    found = compare(before, after)
    if as_json:
        click.echo(rendered.diff_json(old, new, found), nl=False)
    elif style == "markdown":
        click.echo(rendered.diff_markdown(old, new, found), nl=False)
    else:
        click.echo(fit(rendered.diff_text(old, new, found), terminal_columns()), nl=False)
    raise SystemExit(CHANGED if found.any else ExitCode.OK)


@click.command(epilog=epilog(
    ["azint whatif", "azint whatif --depth 2 --json > failures.json",
     "azint whatif --down er1-secondary      # start from a network already degraded"],
    "0   done"))
@click.option("--depth", type=click.IntRange(1, 2), default=1, show_default=True,
              help="1: each element fails alone; 2: also every two together.")
@model_options
def whatif(depth: int, topology: Path | None, down: tuple[str, ...], as_json: bool) -> None:
    """Fail every element in turn (connections, links, gateway instances, routers, IGP links):
    which pairs of networks lose reachability, which move to another path.

    Ranked by pairs lost: the single points of failure come first. With --down, the sweep
    starts from a network with those elements already down, and does not fail them again.
    """
    from azint.gate.sweep import sweep
    from azint.network import Network
    from azint.render import sweep as rendered

    network = Network.open(topology, down)
    with progress_bar("whatif") as update:
        found = sweep(network, depth, update)
    emit(as_json, lambda: rendered.whatif_json(network.topology.name, down, found, depth),
         lambda: rendered.whatif_document(found, depth))


@contextmanager
def progress_bar(label: str, after_s: float = 0.5) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on a terminal's stderr, shown once the work has taken ``after_s``."""
    if not sys.stderr.isatty():
        yield lambda done, total: None
        return
    from rich.console import Console
    from rich.progress import Progress, TaskID

    bar = Progress(console=Console(stderr=True), transient=True)
    started, task = time.monotonic(), None

    def update(done: int, total: int) -> None:
        nonlocal task
        if task is None:
            if time.monotonic() - started < after_s:
                return
            bar.start()
            task = bar.add_task(label, total=total)
        bar.update(TaskID(task), completed=done)

    try:
        yield update
    finally:
        bar.stop()
