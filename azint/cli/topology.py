"""Commands about the topology file itself: ``validate`` and ``schema``."""

from __future__ import annotations

from pathlib import Path

import click

from azint.cli.options import output


@click.command(epilog="""\b
Exit codes:
  0  no errors (warnings may be printed)
  2  the topology has errors""")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
def validate(file: Path | None) -> None:
    """Check a topology FILE and report every problem at once.

    Each problem is one line, FILE:LINE:COL: error|warning: message. Without FILE, checks the
    bundled reference topology. The file is only read, never changed.
    """
    from azint.topology.validate import validate as check_file

    report = check_file(file)
    for line in report.lines:
        output(f"{line}\n")
    if not report.lines:
        click.echo(f"{report.file}: ok", err=True)
    raise SystemExit(report.exit_code)


@click.command(epilog="""\b
Exit codes:
  0  always""")
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
