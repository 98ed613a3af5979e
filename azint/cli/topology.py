"""Commands about the topology file itself: ``validate``."""

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
