"""The ``azint`` command line: one module per family of commands, loaded only when called.

``COMMANDS`` maps each command to the module that defines it and its one-line summary, so that
``azint --help`` lists every command without importing the model, and ``azint tracert`` imports
only what tracing needs. Errors become one line and an exit code in ``AzintGroup.invoke``: the
one place that catches them.
"""

from __future__ import annotations

import importlib
from typing import Any, NamedTuple

import click

from azint import __version__
from azint.errors import AzintError


class Entry(NamedTuple):
    """Where a command lives (a module of this package) and its summary for ``--help``."""

    module: str
    summary: str


# Families: probe (tracert, ping), observe (routes, bgp, matrix, explain), topology (validate,
# schema), gate (check, whatif, diff).
# Keep each family's rows together and in the order they should appear in ``azint --help``.
COMMANDS: dict[str, Entry] = {
    "tracert": Entry("probe", "Trace the route from SOURCE to TARGET as Windows tracert shows it."),
    "ping": Entry("probe", "Ping TARGET from SOURCE as Windows ping shows it."),
    "routes": Entry("observe", "Show a network's effective routes (VNet) or routing tables (site)."),
    "bgp": Entry("observe", "Show a circuit's or a gateway's BGP routes."),
    "matrix": Entry("observe", "Show who reaches whom, and over what."),
    "explain": Entry("observe", "Explain the path from SOURCE to TARGET, step by step."),
    "validate": Entry("topology", "Check a topology file and report every problem at once."),
    "schema": Entry("topology", "Print the topology format's JSON Schema, for editors."),
    "check": Entry("gate", "Check that the network does what an intents file says it must."),
    "diff": Entry("gate", "Show what changed between two topologies (files or git revisions)."),
}


class AzintGroup(click.Group):
    """Commands loaded on demand; the one place where errors become a line and an exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(f"{__name__}.{entry.module}")
        command = getattr(module, cmd_name.replace("-", "_"))
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, entry.summary) for name, entry in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except AzintError as exc:
            if debug:
                raise
            click.echo(error_line(exc), err=True)
            ctx.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            # Commands write through options.output, which keeps their exit code when the reader
            # goes away; a write that bypassed it lost that code: fail as Python does on EPIPE.
            from azint.cli.options import stdout_to_devnull

            stdout_to_devnull()
            ctx.exit(1)
        except Exception as exc:  # the promise: no traceback for any input
            if debug:
                raise
            click.echo(f"azint: internal error: {type(exc).__name__}: {exc} (rerun with "
                       f"--debug and report it)", err=True)
            ctx.exit(70)


def error_line(exc: AzintError) -> str:
    """``FILE:LINE:COL: error: message`` for input problems, ``azint: error: message`` else."""
    if exc.position is not None:
        return f"{exc.position}: error: {exc.message}"
    return f"azint: error: {exc.message}"


@click.group(cls=AzintGroup, context_settings={"max_content_width": 100})
@click.version_option(__version__, prog_name="azint")
@click.option("--debug", is_flag=True, hidden=True,
              help="Show tracebacks (read by AzintGroup.invoke).")
def cli(debug: bool) -> None:
    """Emulate Azure hybrid networks: VNet peering, ExpressRoute and site-to-site VPN.

    azint computes every network's routes from a YAML topology by Azure's rules and shows what
    Windows tracert and ping would print between any two endpoints.

    \b
    Examples:
      azint tracert hub 10.2.30.10
      azint ping branch 10.1.31.10
      azint tracert location1 10.10.30.4 --down er1-primary
    """
    del debug  # consumed by the group's error handler


def main(argv: list[str] | None = None) -> None:
    """Console entry point (``azint`` and ``python -m azint``)."""
    cli.main(args=argv, prog_name="azint")
