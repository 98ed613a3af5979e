"""The ``azint`` command line: one module per family of commands, loaded only when called.

``COMMANDS`` maps each command to the module that defines it and its one-line summary, so that
``azint --help`` lists every command without importing the model, and ``azint tracert`` imports
only what tracing needs. Every failure — click's usage errors, azint's own, the environment's, a
bug — becomes one line on stderr (and, under ``--json``, an error object on stdout) and an exit
code in ``AzintGroup.main``: the one place that catches them.
"""

from __future__ import annotations

from azint.collector import importing

# Start-up imports build tens of thousands of objects that live until the command ends; each
# collection the allocations trigger would walk them all again (~4 ms of a trace's start-up).
with importing():
    import contextlib
    import importlib
    import os
    import sys
    from collections.abc import Sequence
    from typing import Any, NamedTuple

    import click

    from azint import __version__
    from azint.errors import AzintError, ExitCode, Position, printable


class Entry(NamedTuple):
    """Where a command lives (a module of this package) and its summary for ``--help``."""

    module: str
    summary: str
    attribute: str = ""  # the command object's name in the module, when not the command's own


# Families: probe (tracert, ping, traceroute, mtr), observe (routes, bgp, matrix, explain,
# nsg), topology (validate, schema, list), gate (check, whatif, diff), io (import, export,
# verify), picture (diagram), guide (help).
# Keep each family's rows together, in the order of ``azint --help``.
COMMANDS: dict[str, Entry] = {
    "tracert": Entry("probe", "Trace the route from SOURCE to TARGET as Windows tracert shows it."),
    "ping": Entry("probe", "Ping TARGET from SOURCE as Windows ping shows it (Linux: iputils)."),
    "traceroute": Entry("probe", "Trace the route from SOURCE to TARGET as Linux traceroute shows it."),
    "mtr": Entry("probe", "Report loss and times to every hop as mtr --report does."),
    "routes": Entry("observe", "Show a network's effective routes (VNet) or routing tables (site)."),
    "bgp": Entry("observe", "Show a circuit's or a gateway's BGP routes."),
    "matrix": Entry("observe", "Show who reaches whom, and over what."),
    "explain": Entry("observe", "Explain the path from SOURCE to TARGET, step by step."),
    "nsg": Entry("observe", "Show a VM's effective network security rules."),
    "validate": Entry("topology", "Check a topology file and report every problem at once."),
    "schema": Entry("topology", "Print the topology format's JSON Schema, for editors."),
    "list": Entry("topology", "List the networks, endpoints, names and what --down accepts.",
                  "list_command"),
    "check": Entry("gate", "Check that the network does what an intents file says it must."),
    "whatif": Entry("gate", "Fail each element in turn: which pairs lose reachability or move."),
    "diff": Entry("gate", "Show what changed between two topologies (files or git revisions)."),
    "import": Entry("io", "Write a topology from Azure Resource Manager JSON or a Terraform plan.",
                    "import_"),
    "export": Entry("io", "Write the Azure side of a topology as Azure Resource Manager JSON."),
    "verify": Entry("io", "Compare the model with what Azure reported (effective routes)."),
    "diagram": Entry("picture", "Draw the network, and a trace's path over it (Mermaid, DOT, SVG)."),
    "help": Entry("guide", "Show the help of azint or of one COMMAND.", "help_command"),
}

EXIT_CODES = """\b
Exit codes:
  0   done (tracert, ping, traceroute, mtr: the target answered)
  1   tracert, ping, traceroute, mtr: the target did not answer; validate --strict: warnings
  2   bad usage or input (an unknown name, a bad address, an invalid topology)
  70  internal error: a bug in azint (please report it)
  74  the environment failed: output could not be written (a full disk, a closed stdout)
  130 interrupted (Ctrl-C)"""


class Failure(NamedTuple):
    """A failure as the user sees it: the message, where, a hint, and the exit code."""

    message: str
    position: Position | None
    hint: str
    code: int

    def line(self) -> str:
        """The one stderr line: ``FILE:LINE:COL: error: …`` or ``azint: error: …``."""
        where = str(self.position) if self.position is not None else "azint"
        hint = f" {self.hint}" if self.hint else ""
        return printable(f"{where}: error: {self.message}{hint}")


class AzintGroup(click.Group):
    """Commands loaded on demand; the one place where errors become a line and an exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        with importing():  # as above: the command's imports
            module = importlib.import_module(f"{__name__}.{entry.module}")
        command = getattr(module, entry.attribute or cmd_name.replace("-", "_"))
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, entry.summary) for name, entry in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        if not standalone_mode:
            return super().main(argv, prog_name, complete_var, False, **extra)
        flags = argv[:argv.index("--")] if "--" in argv else argv
        try:
            if sys.stdout is None:  # started with stdout closed (``>&-``)
                raise OSError(0, "standard output is closed")
            code = super().main(argv, prog_name, complete_var, False, **extra)
        except Exception as exc:
            if _asks_for_help(exc):  # a bare 'azint': show what it does, as 'azint --help'
                assert isinstance(exc, click.UsageError) and exc.ctx is not None
                click.echo(exc.ctx.get_help())
                sys.exit(ExitCode.OK)
            if "--debug" in _group_options(argv):
                raise
            failure = _failure(exc, self._typed_path(argv))
            _report(failure, as_json="--json" in flags and sys.stdout is not None)
            sys.exit(failure.code)
        sys.exit(code if isinstance(code, int) else ExitCode.OK)

    def _typed_path(self, argv: list[str]) -> str:
        """``azint COMMAND [SUB-COMMAND]`` as typed, for the hint of an error click raised
        without its context (an option missing its value)."""
        words = argv[:argv.index("--")] if "--" in argv else argv
        path = ["azint"]
        context = click.Context(self)
        command: click.Command | None = self
        for word in (w for w in words if not w.startswith("-")):
            if not isinstance(command, click.Group):
                break
            if word in command.list_commands(context):
                command = command.get_command(context, word)
                path.append(word)
            elif command is not self:  # an argument of the group's command: the path is whole
                break
        return " ".join(path)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # Commands write through options.output, which keeps their exit code when the reader
            # goes away; a write that bypassed it lost that code: fail as Python does on EPIPE.
            from azint.cli.options import stdout_to_devnull

            stdout_to_devnull()
            ctx.exit(1)


def _asks_for_help(exc: Exception) -> bool:
    """Click 8.2 raises NoArgsIsHelpError for a group called with no arguments."""
    no_args = getattr(click.exceptions, "NoArgsIsHelpError", None)
    return no_args is not None and isinstance(exc, no_args)


def _group_options(argv: list[str]) -> list[str]:
    """The arguments before the command's name: the group's own options (``--debug`` counts only
    there; after a command it is that command's unknown option, a usage error)."""
    found: list[str] = []
    for argument in argv:
        if argument in COMMANDS or argument == "--":
            break
        found.append(argument)
    return found


def _failure(exc: Exception, typed: str = "azint") -> Failure:
    """What went wrong, in the user's terms: only a bug is an internal error. ``typed`` is the
    command path the user typed, for a usage error click raised without its context."""
    if isinstance(exc, AzintError):
        return Failure(exc.message, exc.position, "", exc.exit_code)
    if isinstance(exc, click.UsageError):
        path = exc.ctx.command_path if exc.ctx is not None else typed
        message = exc.format_message()
        message += "" if message.endswith((".", "?", "!")) else "."
        return Failure(message, None, f"Try '{path} --help'.", ExitCode.BAD_INPUT)
    if isinstance(exc, click.ClickException):
        return Failure(exc.format_message(), None, "", ExitCode.BAD_INPUT)
    if isinstance(exc, click.Abort | KeyboardInterrupt):
        return Failure("interrupted", None, "", ExitCode.INTERRUPTED)
    if isinstance(exc, OSError):  # the loader turns its own read errors into TopologyError
        return Failure(f"cannot write output: {exc.strerror or exc}", None, "", ExitCode.IO_ERROR)
    return Failure(f"internal error: {type(exc).__name__}: {exc}", None,
                   "(a bug in azint: rerun with --debug and report it)", ExitCode.INTERNAL)


def _report(failure: Failure, as_json: bool) -> None:
    """The line on stderr; under ``--json`` also the error object on stdout, if stdout works."""
    if as_json and failure.code != ExitCode.IO_ERROR:
        from azint.render.jsonout import error_json

        with contextlib.suppress(OSError):
            click.echo(error_json(failure.message, failure.position), nl=False)
    _silence_stdout()
    click.echo(failure.line(), err=True)


def _silence_stdout() -> None:
    """Output the failure left buffered must not fail again when the interpreter exits."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except (OSError, ValueError):
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives until the process exits


@click.group(cls=AzintGroup, epilog=EXIT_CODES,
             context_settings={"max_content_width": 100, "help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="azint")
@click.option("--color", "color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, help="Colour tables: auto means on a terminal, unless NO_COLOR "
              "is set (non-empty); FORCE_COLOR (non-empty) turns it on when piped.")
@click.option("--debug", is_flag=True, hidden=True,
              help="Show tracebacks (read by AzintGroup.main).")
@click.pass_context
def cli(ctx: click.Context, color: str, debug: bool) -> None:
    """Emulate Azure hybrid networks: VNet peering, ExpressRoute and site-to-site VPN.

    azint computes every network's routes from a YAML topology by Azure's rules and shows what
    Windows tracert and ping, or Linux traceroute, mtr and ping, would print between any two
    endpoints.

    \b
    Examples:
      azint tracert hub 10.2.30.10
      azint ping branch 10.1.31.10
      azint tracert location1 10.10.30.4 --down er1-primary
      azint traceroute hub 10.2.30.10 # Linux traceroute; also: azint mtr --report
      azint list                      # what the topology holds: names to use above
      azint help tracert              # or: azint tracert --help
    """
    del debug  # read by the group's error handler
    ctx.meta["azint.color"] = color


def main(argv: list[str] | None = None) -> None:
    """Console entry point (``azint`` and ``python -m azint``)."""
    if argv is not None:  # called from Python (tests, scripts): exits as click does
        cli.main(args=argv, prog_name="azint")
        return
    try:
        cli.main(args=argv, prog_name="azint")
    except SystemExit as done:
        _exit_now(done)


def _exit_now(done: SystemExit) -> None:
    """End the process with ``done``'s status without tearing the interpreter down.

    A trace's objects live until the command ends; freeing them one by one, module by module,
    and the last full collection take a start-up's worth of milliseconds that nobody waits for.
    The streams are flushed first (a failed flush ends as Python's own exit would report it).
    """
    code = done.code
    if code is not None and not isinstance(code, int):
        raise done  # a message as the status: Python prints it
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        raise done from None
    os._exit(code or 0)
