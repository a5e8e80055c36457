"""Every text the simulator puts into a request or a response comes from here.

Corpora are read in their upstream formats, from ``--corpus-dir`` when a file
is there (a ``shared/data``-like tree, plain or ``.gz``) and otherwise from the
small permissively licensed samples shipped in ``corpora/`` beside this module.
The CC BY-NC Alpaca and Code Alpaca data are only ever read from
``--corpus-dir``. A split (``tune`` / ``holdout``) keeps the half of every
corpus whose stable text hash is even / odd, so a detector tuned on one world
is judged on prompts, answers and wrapper phrasings it has never seen.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from distillguard.opener import open_text
from distillguard.schema.errors import InputError

SHIPPED = Path(__file__).resolve().parent / "corpora"
SPLITS = ("all", "tune", "holdout")
T = TypeVar("T")

_CODE_RE = re.compile(
    r"\b(python|javascript|typescript|function|code|program|script|regex|sql|java|c\+\+|"
    r"rust|golang|bash|compile|algorithm|api|class|bug|html|css|json|array|string)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class QA:
    """A prompt and a plausible answer to it (from the same corpus row)."""

    prompt: str
    answer: str
    source: str


@dataclass(frozen=True, slots=True)
class MathItem:
    question: str
    solution: str  # worked steps, the reasoning a distiller wants
    final: str


@dataclass(frozen=True, slots=True)
class Corpora:
    threads: tuple[tuple[tuple[str, str], ...], ...]  # (user, assistant) turn pairs
    prompts: tuple[QA, ...]  # single-turn general instructions with answers
    math: tuple[MathItem, ...]
    code_tasks: tuple[QA, ...]
    safety_prompts: tuple[str, ...]
    answers: tuple[str, ...]  # assistant replies, for rubric candidates
    rubric_templates: tuple[str, ...]  # UltraFeedback, {instruction} {text_1..4}
    rubric_system: str
    judge_templates: tuple[str, ...]  # distilabel jinja judges
    principles: tuple[str, ...]
    system_messages: tuple[str, ...]
    evol_templates: tuple[str, ...]
    split: str = "all"
    sources: dict[str, str] = field(default_factory=dict)


def text_half(text: str) -> str:
    """Which split a text belongs to: a stable hash, independent of seed and order."""
    digest = hashlib.blake2b(text.strip().encode("utf-8"), digest_size=8).digest()
    return "tune" if digest[0] % 2 == 0 else "holdout"


def split_items(items: Sequence[T], split: str, key: Any = str, minimum: int = 4) -> tuple[T, ...]:
    """Keep the items of ``split``; lists too small to halve are kept whole."""
    if split == "all" or len(items) < minimum:
        return tuple(items)
    kept = tuple(i for i in items if text_half(key(i)) == split)
    return kept if kept else tuple(items)


def _find(rel: str, corpus_dir: Path | None, sources: dict[str, str],
          shipped: bool = True) -> Path | None:
    candidates: list[Path] = []
    if corpus_dir is not None:
        candidates += [corpus_dir / rel, corpus_dir / (rel + ".gz")]
    if shipped:
        candidates += [SHIPPED / rel, SHIPPED / (rel + ".gz")]
    for c in candidates:
        if c.is_file():
            sources[rel] = str(c) if not c.is_relative_to(SHIPPED) else "shipped:" + rel
            return c
    return None


def _open_text(path: Path) -> Iterator[str]:
    try:
        with open_text(path) as fh:
            yield from fh
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise InputError(f"{path}: cannot read corpus file ({exc})",
                         details={"file": str(path)}) from exc


def _jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for n, line in enumerate(_open_text(path), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise InputError(f"{path}:{n}: corpus line is not JSON ({exc})",
                             details={"file": str(path), "line": n}) from exc
        if isinstance(obj, dict):
            rows.append(obj)
    return rows


def _json(path: Path) -> Any:
    try:
        return json.loads("".join(_open_text(path)))
    except ValueError as exc:
        raise InputError(f"{path}: corpus file is not JSON ({exc})",
                         details={"file": str(path)}) from exc


def _oasst(path: Path) -> tuple[list[tuple[tuple[str, str], ...]], list[QA]]:
    rows = [r for r in _jsonl(path) if isinstance(r.get("text"), str)]
    children: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r.get("parent_id"):
            children.setdefault(str(r["parent_id"]), []).append(r)

    def best(mid: str) -> dict[str, Any] | None:
        kids = children.get(mid, [])
        if not kids:
            return None
        return min(kids, key=lambda k: (k.get("rank") if isinstance(k.get("rank"), int) else 99,
                                        str(k.get("message_id"))))

    threads: list[tuple[tuple[str, str], ...]] = []
    singles: list[QA] = []
    for root in rows:
        if root.get("parent_id") or root.get("role") != "prompter":
            continue
        pairs: list[tuple[str, str]] = []
        node: dict[str, Any] | None = root
        while node is not None and node.get("role") == "prompter":
            reply = best(str(node["message_id"]))
            if reply is None:
                break
            pairs.append((node["text"], reply["text"]))
            node = best(str(reply["message_id"]))
        if pairs:
            threads.append(tuple(pairs))
            singles.append(QA(pairs[0][0], pairs[0][1], "oasst1"))
    return threads, singles


_HH_TURN = re.compile(r"\n\n(Human|Assistant): ")


def _hh(path: Path) -> list[tuple[tuple[str, str], ...]]:
    out = []
    for r in _jsonl(path):
        text = r.get("chosen")
        if not isinstance(text, str):
            continue
        parts = _HH_TURN.split(text)[1:]
        turns = list(zip(parts[0::2], parts[1::2], strict=False))
        pairs: list[tuple[str, str]] = []
        for i in range(0, len(turns) - 1, 2):
            (r1, t1), (r2, t2) = turns[i], turns[i + 1]
            if r1 == "Human" and r2 == "Assistant" and t1.strip() and t2.strip():
                pairs.append((t1.strip(), t2.strip()))
        if pairs:
            out.append(tuple(pairs))
    return out


def _seed_tasks(path: Path, source: str) -> list[QA]:
    out = []
    for r in _jsonl(path):
        inst = r.get("instruction")
        insts = r.get("instances") or [{}]
        if not isinstance(inst, str) or not isinstance(insts, list):
            continue
        first = insts[0] if isinstance(insts[0], dict) else {}
        inp = str(first.get("input") or "")
        prompt = inst + ("\n\n" + inp if inp else "")
        out.append(QA(prompt, str(first.get("output") or ""), source))
    return out


def load_corpora(corpus_dir: Path | str | None = None, split: str = "all") -> Corpora:
    """Load every corpus (``corpus_dir`` first, shipped samples otherwise) and apply ``split``."""
    if split not in SPLITS:
        raise InputError(f"--split must be one of {SPLITS}, got {split!r}",
                         details={"field": "split"})
    cdir = Path(corpus_dir) if corpus_dir else None
    if cdir is not None and not cdir.is_dir():
        raise InputError(f"--corpus-dir {cdir}: not a directory", details={"file": str(cdir)})
    src: dict[str, str] = {}

    def need(rel: str) -> Path:
        p = _find(rel, cdir, src)
        if p is None:
            raise InputError(f"corpus file {rel} is missing (package damaged?)",
                             details={"file": rel})
        return p

    threads, prompts = _oasst(need("organic/oasst1_en_validation.jsonl"))
    hh = _hh(need("organic/hh_rlhf_harmless_base_test.jsonl"))
    math = []
    for r in _jsonl(need("distillation/gsm8k/train.jsonl")):
        q, a = r.get("question"), r.get("answer")
        if isinstance(q, str) and isinstance(a, str) and "####" in a:
            steps, final = a.rsplit("####", 1)
            math.append(MathItem(q, re.sub(r"<<[^>]*>>", "", steps).strip(), final.strip()))
    seeds = _seed_tasks(need("distillation/self_instruct/seed_tasks.jsonl"), "self_instruct")
    code: list[QA] = []
    alpaca = _find("distillation/alpaca/seed_tasks.jsonl", cdir, src, shipped=False)
    if alpaca is not None:
        seeds += _seed_tasks(alpaca, "alpaca")
    calp = _find("distillation/code_alpaca/code_alpaca_2k.json", cdir, src, shipped=False)
    if calp is not None:
        for r in _json(calp):
            if isinstance(r, dict) and isinstance(r.get("instruction"), str):
                inp = str(r.get("input") or "")
                code.append(QA(r["instruction"] + ("\n\n" + inp if inp else ""),
                               str(r.get("output") or ""), "code_alpaca"))
    code += [qa for qa in prompts + seeds if _CODE_RE.search(qa.prompt)]
    general = [qa for qa in prompts + seeds if not _CODE_RE.search(qa.prompt)]

    uf = _json(need("distillation/ultrafeedback/ultrafeedback_rating_templates.json"))
    rubric_system = next((x["text"] for x in uf if x.get("context") == "system_prompt"), "")
    rubrics = [x["text"].replace("{world_knowledge}", "No extra world knowledge is provided.")
               for x in uf if "template" in str(x.get("context", ""))
               and "{instruction}" in x["text"] and "{text_4}" in x["text"]]
    principles = [x["text"] for x in
                  _json(need("distillation/ultrafeedback/ultrafeedback_completion_principles.json"))
                  if isinstance(x, dict) and isinstance(x.get("text"), str)]
    orca = [m for m in _json(need("distillation/orca/orca_system_messages.json"))
            ["system_messages"] if isinstance(m, str) and m.strip()]
    evol = [x["text"] for x in _json(need(
        "tools/distilabel_1.5.3/py_strings__steps_tasks_evol_instruct_utils.json"))
        if isinstance(x, dict) and isinstance(x.get("text"), str) and len(x["text"]) > 40]
    judges = ["".join(_open_text(need("tools/distilabel_1.5.3/jinja2/" + n))) for n in
              ("quality-scorer.jinja2", "prometheus/absolute_without_reference.jinja2")]

    all_threads = threads + hh
    answers = [a for t in all_threads for _, a in t if 40 <= len(a) <= 1500]
    safety = [t[0][0] for t in hh]
    return Corpora(
        threads=split_items(all_threads, split, key=lambda t: t[0][0]),
        prompts=split_items(general, split, key=lambda q: q.prompt),
        math=split_items(math, split, key=lambda m: m.question),
        code_tasks=split_items(code, split, key=lambda q: q.prompt),
        safety_prompts=split_items(safety, split),
        answers=split_items(answers, split),
        rubric_templates=split_items(rubrics, split),
        rubric_system=rubric_system,
        judge_templates=tuple(judges),
        principles=split_items(principles, split),
        system_messages=split_items(orca, split),
        evol_templates=split_items(evol, split),
        split=split,
        sources=dict(sorted(src.items())),
    )


def _keep(items: Sequence[T], fraction: float, salt: str, key: Any = str,
          minimum: int = 8) -> tuple[T, ...]:
    """About ``fraction`` of ``items``, chosen by a salted stable hash (never fewer than
    ``minimum`` when there were that many)."""
    if fraction >= 1.0 or len(items) <= minimum:
        return tuple(items)
    limit = int(fraction * 65536)
    kept = tuple(i for i in items if int.from_bytes(hashlib.blake2b(
        (salt + "|" + key(i)).encode("utf-8"), digest_size=2).digest(), "big") < limit)
    return kept if len(kept) >= minimum else tuple(items[:minimum])


def subset_corpora(c: Corpora, fraction: float, salt: str) -> Corpora:
    """Domain randomisation: keep about ``fraction`` of every corpus (``1.0``: all of it)."""
    if fraction >= 1.0:
        return c
    return replace(
        c, threads=_keep(c.threads, fraction, salt, key=lambda t: t[0][0]),
        prompts=_keep(c.prompts, fraction, salt, key=lambda q: q.prompt),
        math=_keep(c.math, fraction, salt, key=lambda m: m.question),
        code_tasks=_keep(c.code_tasks, fraction, salt, key=lambda q: q.prompt),
        safety_prompts=_keep(c.safety_prompts, fraction, salt),
        answers=_keep(c.answers, fraction, salt),
        system_messages=_keep(c.system_messages, fraction, salt),
        evol_templates=_keep(c.evol_templates, fraction, salt),
    )


def corpus_counts(c: Corpora) -> dict[str, int]:
    return {
        "threads": len(c.threads), "prompts": len(c.prompts), "math": len(c.math),
        "code_tasks": len(c.code_tasks), "safety_prompts": len(c.safety_prompts),
        "answers": len(c.answers), "rubric_templates": len(c.rubric_templates),
        "principles": len(c.principles), "system_messages": len(c.system_messages),
        "evol_templates": len(c.evol_templates),
    }
