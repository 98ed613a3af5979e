"""Gate commands for CI: ``check`` (intents), ``whatif`` (failure sweeps), ``diff`` (changes)."""

from __future__ import annotations

from pathlib import Path

import click

from azint.cli.options import epilog
from azint.errors import ExitCode

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

    intents = load_intents(intents_file)
    model = loader.load(topology or intents.topology)
    results = evaluate(model, intents.intents)
    if junit is not None:
        junit.write_text(junit_render.junit_xml(intents.file, results), encoding="utf-8")
    if as_json:
        click.echo(rendered.check_json(model.name, intents.file, results), nl=False)
    elif style == "github":
        click.echo(annotations.check_annotations(results), nl=False)
    else:
        click.echo(rendered.check_text(results), nl=False)
    raise SystemExit(ExitCode.OK if all(r.passed for r in results) else FAILED)


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
        click.echo(rendered.diff_text(old, new, found), nl=False)
    raise SystemExit(CHANGED if found.any else ExitCode.OK)
