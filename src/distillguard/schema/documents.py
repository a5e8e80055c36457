"""The one YAML loader: every configuration, policy and scenario file is read here.

A document keeps its composed node tree (for readers that walk nodes), its plain
Python value, and the line of every path in it, so an error can name file and
line. Duplicate keys are an error: PyYAML lets the second silently win, and a
``bias`` written twice in a config would quietly drop the first (pySigma's
``SigmaYAMLLoader`` refuses them for the same reason). Floats are read as YAML
1.2 reads them: ``1e-05`` is a number, not the string YAML 1.1 makes of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from distillguard.schema.errors import ConfigError

YamlPath = tuple[str | int, ...]


class LocatedLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 floats (no other tag or constructor)."""


LocatedLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


@dataclass(frozen=True)
class Document:
    """A parsed YAML file: node tree, value, and the 1-based line of every path."""

    source: str
    root: yaml.Node | None
    data: Any
    lines: dict[YamlPath, int] = field(default_factory=dict)

    def line(self, *path: str | int) -> int:
        """The line of ``path``, else of its nearest ancestor present (1 at worst)."""
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)


def to_python(node: yaml.Node | None) -> Any:
    """The plain value of one node of a document (what the whole file would give there)."""
    if node is None:
        return None
    loader = LocatedLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def parse_yaml(text: str, source: str) -> Document:
    """Parse ``text``; raises :class:`ConfigError` naming ``source`` and the line of
    a syntax error or of a duplicate key."""
    loader: LocatedLoader | None = None
    try:
        loader = LocatedLoader(text)  # the reader checks characters here already
        root = loader.get_single_node()
        lines: dict[YamlPath, int] = {}
        if root is not None:
            _walk(root, (), lines, source)
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None)
        context = getattr(exc, "context", None)
        reason = (f"{context}: {problem}" if context else str(problem)) if problem else \
            " ".join(str(exc).split())
        raise ConfigError(f"{source}:{line}: invalid YAML: {reason}",
                          details={"file": source, "line": line}) from exc
    finally:
        if loader is not None:
            loader.dispose()
    return Document(source, root, data, lines)


def read_yaml(path: str | Path) -> Document:
    """Read and parse the YAML file at ``path`` (unreadable: :class:`ConfigError`)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: cannot read: {exc}", details={"file": str(p)}) from exc
    return parse_yaml(text, str(p))


def _walk(node: yaml.Node, path: YamlPath, lines: dict[YamlPath, int], source: str) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        first: dict[tuple[str, str], int] = {}
        for knode, vnode in node.value:
            if knode.tag == "tag:yaml.org,2002:merge":
                continue  # "<<: *base" may be overridden by the keys written beside it
            kline = knode.start_mark.line + 1
            ident = (knode.tag, str(knode.value))
            if ident in first:
                where = ".".join(str(p) for p in (*path, knode.value))
                raise ConfigError(
                    f"{source}:{kline}: duplicate key {where!r} (first at line "
                    f"{first[ident]}): a repeated key would silently replace the first",
                    details={"file": source, "line": kline, "field": where})
            first[ident] = kline
            key: str | int = str(knode.value)
            _walk(vnode, (*path, key), lines, source)
            lines[(*path, key)] = kline  # a key's path points at the key, not its value
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lines, source)
