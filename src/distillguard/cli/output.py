"""Output for every verb: ``--format table|json|csv`` and the one JSON error shape."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from distillguard.schema.errors import DistillguardError, NotFoundError

FORMATS = ("table", "json", "csv")

format_option = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
    help="How to print the result.",
)

# A table printed into a file or a pipe keeps whole cells: nobody is there to read a
# wrapped one, and a script greps for full account ids.
PIPE_WIDTH = 10_000


class InPath(click.Path):
    """An input path: a missing one is the one not-found error of every verb
    (``not_found``, as the library's readers raise it), not click's usage text."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> Any:
        if self.exists and value != "" and not os.path.exists(os.fsdecode(value)):
            opt = param.opts[0] if param is not None and param.opts else ""
            raise NotFoundError(f"{os.fsdecode(value)}: no such file or directory",
                                details={"path": os.fsdecode(value), "field": opt})
        return super().convert(value, param, ctx)


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, (dict, list)):
        return json.dumps(v, default=str)
    return str(v)


def emit(
    rows: Sequence[Mapping[str, Any]] | Mapping[str, Any],
    fmt: str,
    *,
    title: str | None = None,
    columns: Sequence[str] | None = None,
    out: Any = None,
) -> None:
    """Print ``rows`` (a list of records, or one record) in the chosen format."""
    stream = out if out is not None else sys.stdout
    if isinstance(rows, Mapping):
        if fmt == "json":
            stream.write(json.dumps(rows, indent=2, default=str) + "\n")
            return
        # One record: a header and one row in CSV (what a script cuts a field from),
        # a field/value table for a person.
        rows = [dict(rows)] if fmt == "csv" else [{"field": k, "value": v}
                                                   for k, v in rows.items()]
    rows = list(rows)
    cols = list(columns) if columns else _columns(rows)
    if fmt == "json":
        stream.write(json.dumps(rows, indent=2, default=str) + "\n")
    elif fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow([_cell(r.get(c)) for c in cols])
        stream.write(buf.getvalue())
    else:
        console = Console(file=stream)
        piped = not console.is_terminal
        if piped:
            console = Console(file=stream, width=PIPE_WIDTH)
        # Cell text is data, not rich markup: "[abc]" in a name must print as is. Into a
        # pipe the title is not wrapped to the columns' width either.
        table = Table(title=escape(title) if title else None, show_lines=False,
                      min_width=len(title) if piped and title else None)
        for c in cols:
            table.add_column(escape(c))
        for r in rows:
            table.add_row(*[escape(_cell(r.get(c))) for c in cols])
        console.print(table)


def _columns(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    cols: list[str] = []
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    return cols


class StderrProgress:
    """Renders a library's progress callbacks on stderr while a person watches: a
    transient status line (``update``) and lines that stay (``done``). Into a pipe
    or a file it prints nothing, so logs hold results only. Library code never
    draws; it calls back, and this is the one place that turns calls into a UI."""

    def __init__(self, label: str) -> None:
        self.console = Console(stderr=True)
        self.enabled = self.console.is_terminal
        self._label = label
        self._status: Any = None

    def __enter__(self) -> StderrProgress:
        if self.enabled:
            self._status = self.console.status(escape(self._label))
            self._status.start()
        return self

    def update(self, text: str) -> None:
        if self._status is not None:
            self._status.update(escape(text))

    def done(self, text: str) -> None:
        if self.enabled:
            self.console.print(escape(text), highlight=False)

    def __exit__(self, *exc: object) -> None:
        if self._status is not None:
            self._status.stop()


def error_json(exc: DistillguardError) -> str:
    return json.dumps(exc.to_dict(), default=str)
