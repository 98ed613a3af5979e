"""Tables for the control-plane commands: rich with colour on a terminal, plain text when piped.

A ``Document`` is a sequence of headings, paragraphs and tables; ``render`` turns it into a
string for the given ``Display``. The caller decides what the display is (a terminal or not, how
wide, whether colour is wanted): nothing here looks at the real stdout.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rich is imported only to draw for a terminal (see ``_rich``)
    from rich.console import Console
    from rich.table import Table as RichTable
    from rich.text import Text


@dataclass(frozen=True)
class Display:
    """Where output goes: a terminal gets rich tables (colour if wanted), else plain text."""

    terminal: bool = False
    width: int = 100
    color: bool = True


@dataclass(frozen=True)
class Cell:
    text: str
    style: str | None = None  # a rich style, used on terminals only


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    title: str | None = None


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: str | None = None


Block = Table | Heading | Paragraph
Document = Sequence[Block]


def table(columns: Sequence[str], rows: Sequence[Sequence[str | Cell]],
          title: str | None = None) -> Table:
    """A table from strings (or cells already styled)."""
    return Table(tuple(columns),
                 tuple(tuple(c if isinstance(c, Cell) else Cell(c) for c in row) for row in rows),
                 title)


def render(document: Document, display: Display) -> str:
    if display.terminal:
        return _rich(document, display)
    return "\n\n".join(_plain_block(block) for block in document) + "\n"


# -- plain text ------------------------------------------------------------------------------


def _plain_block(block: Block) -> str:
    if isinstance(block, Heading):
        return block.text
    if isinstance(block, Paragraph):
        return block.text
    return plain_table(block)


def plain_table(found: Table) -> str:
    """Columns padded to their widest cell, dashes under the header (like ``az -o table``)."""
    texts = [[c.text for c in row] for row in found.rows]
    for row in texts:
        if len(row) != len(found.columns):
            raise ValueError(f"a row of {len(row)} cells in a table of {len(found.columns)} columns")
    widths = [max(map(len, column)) for column in zip(found.columns, *texts, strict=True)]
    def line(cells: Sequence[str]) -> str:
        return "  ".join(map(str.ljust, cells, widths)).rstrip()
    lines = [found.title] if found.title else []
    lines += [line(found.columns), line(["-" * w for w in widths])]
    lines += [line(row) for row in texts]
    return "\n".join(lines)


# -- rich ------------------------------------------------------------------------------------


def _rich(document: Document, display: Display) -> str:
    from rich.console import Console
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, width=display.width, force_terminal=True,
                      color_system="standard" if display.color else None,
                      no_color=not display.color, highlight=False, emoji=False, markup=False)
    for block in document:
        if isinstance(block, Heading):
            _print_words(console, Text(block.text, style="bold"))
        elif isinstance(block, Paragraph):
            _print_words(console, Text(block.text, style=block.style or ""))
        elif table_width(block) <= display.width:
            if block.title:  # printed apart: rich pads a table's title with trailing spaces
                _print_words(console, Text(block.title, style="bold"))
            console.print(_rich_table(block))
        else:
            _print_records(console, block)
    return buffer.getvalue()


def _print_words(console: Console, text: Text) -> None:
    """Wrapped between words only: a word wider than the terminal keeps its own whole line."""
    from rich.text import Text

    lines = textwrap.wrap(text.plain, console.width, break_long_words=False,
                          break_on_hyphens=False) or [""]
    for line in lines:
        console.print(Text(line, style=text.style), no_wrap=True, overflow="ignore", crop=False)


def table_width(found: Table) -> int:
    """Columns a boxed rich table needs to show every cell on one line: each column its widest
    cell plus one space either side, and a border before, between and after the columns."""
    widths = [max([len(h), *(len(row[i].text) for row in found.rows)])
              for i, h in enumerate(found.columns)]
    return sum(widths) + 3 * len(widths) + 1


def _rich_table(found: Table) -> RichTable:
    from rich.table import Table as RichTable
    from rich.text import Text

    shown = RichTable(header_style="bold")
    for column in found.columns:
        shown.add_column(column, no_wrap=True)
    for row in found.rows:
        shown.add_row(*(Text(c.text, style=c.style or "") for c in row))
    return shown


def _print_records(console: Console, found: Table) -> None:
    """Narrower than the table: one record per row, ``column: value`` per line, blank between.

    When ``column: value`` does not fit, the value goes whole on the next line, indented. A
    column without a name labels its rows (verify's Azure / model): its value stands alone."""
    from rich.text import Text

    if found.title:
        _print_words(console, Text(found.title, style="bold"))
    for number, row in enumerate(found.rows):
        if number or found.title:
            console.print()
        for column, cell in zip(found.columns, row, strict=True):
            _print_field(console, column, cell)


def _print_field(console: Console, column: str, cell: Cell) -> None:
    """One ``column: value`` line of a record: only the column's name bold, the value whole."""
    from rich.text import Text

    value = Text(cell.text, style=cell.style or "")
    if not column:
        _print_line(console, value)
    elif not cell.text:
        _print_line(console, Text(f"{column}:", style="bold"))
    elif len(column) + 2 + len(cell.text) <= console.width:
        _print_line(console, Text.assemble((f"{column}:", "bold"), " ", value))
    else:
        _print_line(console, Text(f"{column}:", style="bold"))
        _print_line(console, Text.assemble("  ", value))


def _print_line(console: Console, text: Text) -> None:
    """A line as it is: never wrapped nor cropped (the caller chose where lines break)."""
    console.print(text, no_wrap=True, overflow="ignore", crop=False)
