"""The one YAML loader: values, lines, and duplicate keys refused by every reader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from distillguard.detect.config import load_config as load_hunt_config
from distillguard.gateway.policy import parse_policy
from distillguard.outlook.scenario import ScenarioError, parse_scenario
from distillguard.schema import ConfigError
from distillguard.schema.documents import parse_yaml, read_yaml, to_python
from distillguard.screen.config import load_located
from distillguard.screen.service import _jurisdiction_path

keys = st.text(alphabet="abcdefghij_", min_size=1, max_size=6)
scalars = st.one_of(st.integers(-1000, 1000), st.booleans(), st.none(),
                    st.text(alphabet="xyz ", max_size=5),
                    st.floats(allow_nan=False, allow_infinity=False, width=32))
trees = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)), max_leaves=12)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*path, i))
    return out


@given(st.dictionaries(keys, trees, min_size=1, max_size=4))
def test_values_match_pyyaml_and_every_path_has_a_line(tree: dict[str, Any]) -> None:
    text = yaml.safe_dump(tree, sort_keys=False)
    doc = parse_yaml(text, "t.yaml")
    assert doc.data == yaml.safe_load(text)
    n_lines = len(text.splitlines())
    for path in _paths(tree):
        assert path in doc.lines and 1 <= doc.lines[path] <= max(n_lines, 1)
    assert to_python(doc.root) == doc.data


def test_lines_point_at_keys_and_items() -> None:
    doc = parse_yaml("a: 1\nb:\n  c:\n    - x\n    - y\n  d: 1e-05\n", "t.yaml")
    assert doc.line("b", "c") == 3 and doc.line("b", "c", 1) == 5 and doc.line("b", "d") == 6
    assert doc.data["b"]["d"] == 1e-05  # YAML 1.2 float, not the string YAML 1.1 makes
    assert doc.line("b", "nope", 3) == 2  # nearest ancestor


@pytest.mark.parametrize(("text", "line", "field"), [
    ("bias: 1\nother: 2\nbias: 3\n", 3, "bias"),
    ("score:\n  thresholds:\n    review: 0.2\n    review: 0.3\n", 4, "score.thresholds.review"),
    ("a: [{k: 1, k: 2}]\n", 1, "a.0.k"),
])
def test_duplicate_keys_are_errors_with_their_line(text: str, line: int, field: str) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_yaml(text, "c.yaml")
    assert exc.value.details == {"file": "c.yaml", "line": line, "field": field}
    assert str(exc.value).startswith(f"c.yaml:{line}: duplicate key")


def test_merge_keys_may_be_overridden() -> None:
    doc = parse_yaml("base: &b {x: 1, y: 2}\nthis:\n  <<: *b\n  x: 3\n", "m.yaml")
    assert doc.data["this"] == {"x": 3, "y": 2}


def test_syntax_error_and_unreadable_file_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^s\.yaml:2: invalid YAML"):
        parse_yaml("a: [1, 2\n", "s.yaml")
    with pytest.raises(ConfigError, match="cannot read"):
        read_yaml(tmp_path / "none.yaml")


# Every reader of YAML in the product goes through the loader: each refuses a
# duplicate key, which each of them silently took the second of before.

def test_hunt_config_refuses_a_duplicate(tmp_path: Path) -> None:
    p = tmp_path / "hunt.yaml"
    p.write_text("bias: 1.0\nbias: -2.0\n")
    with pytest.raises(ConfigError, match=r"hunt\.yaml:2: duplicate key 'bias'"):
        load_hunt_config(p)


def test_gateway_policy_refuses_a_duplicate() -> None:
    with pytest.raises(ConfigError, match=r"p\.yaml:3: duplicate key 'score.min_requests'"):
        parse_policy("score:\n  min_requests: 5\n  min_requests: 50\n", "p.yaml")


def test_screen_config_refuses_a_duplicate(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"s\.yaml:3: duplicate key 'thresholds.match'"):
        load_located("thresholds:\n  match: 0.9\n  match: 0.5\n", "s.yaml")
    cfg = tmp_path / "screen.yaml"
    cfg.write_text("jurisdiction: a.yaml\njurisdiction: b.yaml\n")
    with pytest.raises(ConfigError, match="duplicate key 'jurisdiction'"):
        _jurisdiction_path(str(cfg))


def test_outlook_scenario_refuses_a_duplicate() -> None:
    with pytest.raises(ScenarioError) as exc:
        parse_scenario("title: x\ntitle: y\n", "o.yaml")
    assert exc.value.details["problems"][0]["line"] == 2
    assert "duplicate key 'title'" in exc.value.details["problems"][0]["reason"]
