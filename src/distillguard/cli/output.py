"""Output for every verb: ``--format table|json|csv`` and the one JSON error shape."""

from __future__ import annotations

import csv
import functools
import io
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from distillguard.schema.errors import DistillguardError

FORMATS = ("table", "json", "csv")

format_option = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
    help="How to print the result.",
)

F = TypeVar("F", bound=Callable[..., Any])


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
        rows = [{"field": k, "value": v} for k, v in rows.items()]
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
        # Cell text is data, not rich markup: "[abc]" in a name must print as is.
        table = Table(title=escape(title) if title else None, show_lines=False)
        for c in cols:
            table.add_column(escape(c))
        for r in rows:
            table.add_row(*[escape(_cell(r.get(c))) for c in cols])
        Console(file=stream, width=max(100, Console().width)).print(table)


def _columns(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    cols: list[str] = []
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    return cols


def error_json(exc: DistillguardError) -> str:
    return json.dumps(exc.to_dict(), default=str)


def handle_errors(func: F) -> F:
    """Turn a :class:`DistillguardError` into the one JSON error shape on stderr, exit 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DistillguardError as exc:
            click.echo(error_json(exc), err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]
