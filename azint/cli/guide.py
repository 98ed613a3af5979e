"""``azint help [COMMAND [SUB-COMMAND]]``: the same text as ``azint --help`` and
``azint COMMAND [SUB-COMMAND] --help``."""

from __future__ import annotations

import click

from azint.cli.options import complete_command, epilog
from azint.errors import UsageError


@click.command("help", epilog=epilog(
    ["azint help", "azint help tracert", "azint help import terraform"], "0   done"))
@click.argument("command", nargs=-1, metavar="[COMMAND [SUB-COMMAND]]",
                shell_complete=complete_command)
@click.pass_context
def help_command(ctx: click.Context, command: tuple[str, ...]) -> None:
    """Show the help of azint, of COMMAND, or of a group's SUB-COMMAND (import arm)."""
    found = ctx.parent
    assert found is not None and isinstance(found.command, click.Group)
    for name in command:
        group = found.command
        if not isinstance(group, click.Group):
            raise UsageError(f"'{found.command_path}' has no sub-commands; got '{name}'")
        chosen = group.get_command(found, name)
        if chosen is None:
            known = ", ".join(group.list_commands(found))
            where = "command" if found is ctx.parent else f"'{found.command_path}' sub-command"
            raise UsageError(f"no {where} '{name}'; {where.split()[-1]}s: {known}")
        found = click.Context(chosen, info_name=name, parent=found)
    click.echo(found.get_help())
