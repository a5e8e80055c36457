"""Rebuild the corpus samples shipped in this folder from a ``shared/data`` tree.

Run from the repository root: ``.venv/bin/python
src/distillguard/simulate/corpora/make_samples.py ../shared/data``. Only
permissively licensed corpora are copied (see SOURCE.md here); the CC BY-NC
Alpaca and Code Alpaca data are never shipped and stay behind ``--corpus-dir``.
The output is deterministic (gzip without timestamps), so a rebuild from the
same inputs gives identical bytes.
"""

from __future__ import annotations

import gzip
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from distillguard.opener import open_text

HERE = Path(__file__).resolve().parent
OASST_FIELDS = ("message_id", "parent_id", "user_id", "created_date", "text", "role", "lang",
                "message_tree_id", "rank")
LIMITS = {"gsm8k": 2400, "hh": 900}


def _gz_lines(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0,
                                               filename="", compresslevel=9) as gz:
        for r in rows:
            gz.write((json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n").encode())


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with open_text(path) as fh:  # compression known by content, as everywhere
        return [json.loads(line) for line in fh if line.strip()]


def build(shared: Path, out: Path = HERE) -> None:
    oasst = [{k: r.get(k) for k in OASST_FIELDS}
             for r in _jsonl(shared / "organic/oasst1_en_validation.jsonl")]
    _gz_lines(out / "organic/oasst1_en_validation.jsonl.gz", oasst)
    hh = [{"chosen": r["chosen"]}
          for r in _jsonl(shared / "organic/hh_rlhf_harmless_base_test.jsonl.gz")[: LIMITS["hh"]]]
    _gz_lines(out / "organic/hh_rlhf_harmless_base_test.jsonl.gz", hh)
    gsm = _jsonl(shared / "distillation/gsm8k/train.jsonl")[: LIMITS["gsm8k"]]
    _gz_lines(out / "distillation/gsm8k/train.jsonl.gz", gsm)
    seeds = _jsonl(shared / "distillation/self_instruct/seed_tasks.jsonl")
    _gz_lines(out / "distillation/self_instruct/seed_tasks.jsonl.gz", seeds)
    for rel in ("distillation/ultrafeedback/ultrafeedback_rating_templates.json",
                "distillation/ultrafeedback/ultrafeedback_completion_principles.json",
                "distillation/orca/orca_system_messages.json",
                "tools/distilabel_1.5.3/py_strings__steps_tasks_evol_instruct_utils.json",
                "tools/distilabel_1.5.3/jinja2/quality-scorer.jinja2",
                "tools/distilabel_1.5.3/jinja2/prometheus/absolute_without_reference.jinja2"):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared / rel, out / rel)


if __name__ == "__main__":
    build(Path(sys.argv[1]))
