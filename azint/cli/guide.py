"""``azint help [COMMAND]``: the same text as ``azint --help`` and ``azint COMMAND --help``."""

from __future__ import annotations

import click

from azint.cli.options import complete_command
from azint.errors import UsageError


@click.command("help")
@click.argument("command", required=False, shell_complete=complete_command)
@click.pass_context
def help_command(ctx: click.Context, command: str | None) -> None:
    """Show the help of azint, or of COMMAND.

    \b
    Examples:
      azint help
      azint help tracert
    """
    group_ctx = ctx.parent
    assert group_ctx is not None and isinstance(group_ctx.command, click.Group)
    if command is None:
        click.echo(group_ctx.get_help())
        return
    found = group_ctx.command.get_command(group_ctx, command)
    if found is None:
        known = ", ".join(group_ctx.command.list_commands(group_ctx))
        raise UsageError(f"no command '{command}'; commands: {known}")
    with click.Context(found, info_name=command, parent=group_ctx) as sub:
        click.echo(sub.get_help())
