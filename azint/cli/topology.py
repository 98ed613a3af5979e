"""Commands about the topology file itself: ``validate``, ``schema`` and ``list``."""

from __future__ import annotations

from pathlib import Path

import click
from click.core import ParameterSource

from azint.cli.options import emit, epilog, json_option, model_options, output, topology_option
from azint.errors import UsageError, printable


@click.command(epilog=epilog(
    ["azint validate my-network.yaml",
     "AZINT_TOPOLOGY=my-network.yaml azint validate --strict   # CI: warnings fail too",
     "azint validate --json - < my-network.yaml"],
    "0   no errors (warnings may be printed; with --strict, no warnings either)",
    "1   --strict: warnings but no errors",
    "2   the topology has errors (or bad usage)"))
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1 when there are "
              "warnings but no errors).")
@json_option
@topology_option
@click.argument("file", required=False,
                type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.pass_context
def validate(ctx: click.Context, file: Path | None, topology: Path | None, strict: bool,
             as_json: bool) -> None:
    """Check a topology FILE and report every problem at once.

    Each problem is one line, FILE:LINE:COL: error|warning: message. Without FILE, checks
    --topology (or AZINT_TOPOLOGY), else the bundled reference topology, named by the path it is
    installed at. '-' reads standard input. The file is only read, never changed.
    """
    from azint.network import validate as check_file
    from azint.render.jsonout import validation_json

    from_command_line = ctx.get_parameter_source("topology") is ParameterSource.COMMANDLINE
    if file is not None and topology is not None and from_command_line and file != topology:
        raise UsageError("give the topology either as FILE or as --topology, not both")
    report = check_file(file or topology)
    code = report.verdict(strict)
    if as_json:
        output(validation_json(report, strict, code))
    else:
        for line in report.lines:
            output(f"{line}\n")
        if not report.lines:
            click.echo(printable(f"{report.file}: ok"), err=True)
    raise SystemExit(code)


@click.command("list", epilog=epilog(
    ["azint list", "azint list --topology my-network.yaml --json",
     "azint list --down er1   # the links' state with er1 down"],
    "0   done"))
@model_options
def list_command(topology: Path | None, down: tuple[str, ...], as_json: bool) -> None:
    """List what a topology holds: its networks, endpoints, names, and every link and
    connection --down accepts (with its state).

    SOURCE, TARGET and NETWORK arguments of the other commands take these names.
    """
    from azint.network import Network
    from azint.render import inventory

    found = Network.open(topology, down).topology
    emit(as_json, lambda: inventory.inventory_json(found, down),
         lambda: inventory.inventory_document(found, down))


@click.command(epilog=epilog(["azint schema > topology.schema.json"], "0   done"))
def schema() -> None:
    """Print the JSON Schema of the topology format, for editors.

    Editors that read JSON Schema then complete keys and flag mistakes while you type. With the
    YAML language server (VS Code's YAML extension, and others), save the schema once and name it
    on the first line of a topology file:

    \b
      azint schema > topology.schema.json
      # yaml-language-server: $schema=topology.schema.json

    The schema checks the shape of a file; azint validate also checks what needs the whole
    network (names that refer to each other, overlapping addresses, Azure's limits).
    """
    from azint.schema import topology_schema_text

    output(topology_schema_text())
