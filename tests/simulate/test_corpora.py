"""Corpus loading: shipped samples, --corpus-dir, disjoint tune/holdout halves."""

from __future__ import annotations

from pathlib import Path

import pytest

from distillguard.schema import InputError
from distillguard.simulate import load_corpora, text_half
from distillguard.simulate.corpora import SHIPPED, split_items

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"


def test_shipped_corpora_load_without_shared_data() -> None:
    c = load_corpora(None, "all")
    assert len(c.threads) > 500 and len(c.math) > 1000 and len(c.prompts) > 100
    assert c.rubric_templates and c.system_messages and c.judge_templates
    assert all(v.startswith("shipped:") for v in c.sources.values())
    # The CC BY-NC data is never shipped.
    assert not list(SHIPPED.rglob("*alpaca*"))


@pytest.mark.parametrize("field", ["threads", "prompts", "math", "code_tasks", "answers",
                                   "safety_prompts", "principles", "system_messages"])
def test_tune_and_holdout_are_disjoint_halves(field: str) -> None:
    tune, hold, full = (getattr(load_corpora(None, s), field) for s in ("tune", "holdout", "all"))
    assert tune and hold
    assert not set(tune) & set(hold)
    assert set(tune) | set(hold) == set(full)


def test_split_is_a_stable_text_hash() -> None:
    assert text_half("What is 2 + 2?") == text_half("What is 2 + 2?  ")
    items = [f"item {i}" for i in range(200)]
    tune = split_items(items, "tune")
    assert 60 < len(tune) < 140
    assert split_items(items[::-1], "tune") == tuple(reversed(tune))
    assert split_items(["a", "b"], "tune") == ("a", "b")  # too small to halve


def test_bad_corpus_arguments_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="split"):
        load_corpora(None, "dev")
    with pytest.raises(InputError, match="not a directory"):
        load_corpora(tmp_path / "missing")
    bad = tmp_path / "organic"
    bad.mkdir()
    (bad / "oasst1_en_validation.jsonl").write_text('{"text": "hi"}\nnot json\n')
    with pytest.raises(InputError) as exc:
        load_corpora(tmp_path)
    assert exc.value.details == {"file": str(bad / "oasst1_en_validation.jsonl"), "line": 2}


@pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared/data")
def test_corpus_dir_adds_the_non_shippable_corpora() -> None:
    c = load_corpora(SHARED, "tune")
    assert "distillation/code_alpaca/code_alpaca_2k.json" in c.sources
    assert "distillation/alpaca/seed_tasks.jsonl" in c.sources
    assert len(c.code_tasks) > 500
    assert not c.sources["organic/oasst1_en_validation.jsonl"].startswith("shipped:")
