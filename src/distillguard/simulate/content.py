"""What each kind of client says: prompts built from corpora and phrase pools,
and plausible answers (reused corpus answers, short synthesised ones otherwise).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Mapping, Sequence
from typing import Any

import jinja2

from distillguard.simulate import phrases
from distillguard.simulate.bodies import Call, Msg, ToolDef
from distillguard.simulate.corpora import Corpora

JUDGE_RUBRICS = (
    "Is the response factually accurate and complete?",
    "Does the label assigned by the annotator match the content of the text?",
    "Is the response helpful, harmless and honest?",
    "Does the summary preserve every key fact of the source?",
)
SENT = re.compile(r"(?<=[.!?])\s+")


def pick(rng: random.Random, seq: Sequence[Any]) -> Any:
    return seq[rng.randrange(len(seq))]


def first_sentences(text: str, k: int = 1, limit: int = 400) -> str:
    parts = SENT.split(text.strip())
    return " ".join(parts[:k])[:limit]


def snippet(rng: random.Random, corpora: Corpora, limit: int = 600) -> str:
    text: str = pick(rng, corpora.answers)
    return text[:limit]


class Author:
    """Builds calls for every persona and tactic from one corpus bundle."""

    def __init__(self, corpora: Corpora) -> None:
        self.c = corpora
        # The judge templates are the distilabel jinja files as shipped.
        env = jinja2.Environment(autoescape=False, keep_trailing_newline=True)
        self._judges = [env.from_string(t) for t in corpora.judge_templates]

    # --- benign ---------------------------------------------------------------

    def chat_thread(self, rng: random.Random) -> tuple[tuple[str, str], ...]:
        thread: tuple[tuple[str, str], ...] = pick(rng, self.c.threads)
        return thread

    def homework(self, rng: random.Random) -> tuple[str, str, str]:
        """(question as a student asks it, worked answer, reasoning)"""
        if rng.random() < 0.6:
            m = pick(rng, self.c.math)
            ask = pick(rng, phrases.STUDENT_ASKS).format(q=m.question)
            return ask, f"{m.solution}\n\nSo the answer is {m.final}.", m.solution
        qa = pick(rng, self.c.prompts)
        return pick(rng, phrases.STUDENT_ASKS).format(q=qa.prompt), qa.answer or \
            first_sentences(snippet(rng, self.c), 3), ""

    def app_task(self, rng: random.Random, task: str) -> tuple[str, str, bool]:
        text = first_sentences(snippet(rng, self.c), rng.randint(1, 4), 700)
        prompt = task.format(text=text)
        is_json = "JSON" in task
        if is_json:
            words = [w.strip(".,!?\"'()").lower() for w in text.split() if len(w) > 5][:3]
            answer = json.dumps({"title": first_sentences(text)[:60], "tags": words,
                                 "sentiment": pick(rng, ("positive", "neutral", "negative"))})
        elif "spam" in task:
            answer = pick(rng, ("no", "No.", "yes"))
        else:
            answer = first_sentences(text, 1, 200)
        return prompt, answer, is_json

    def eval_item(self, rng: random.Random, bench: str, cot: str, idx: int) -> tuple[str, str,
                                                                                   str, str]:
        """(system, user, answer, reasoning) for benchmark item ``idx`` (each run once)."""
        if bench == "safety":
            prompt = self.c.safety_prompts[idx % len(self.c.safety_prompts)]
            system = pick(rng, phrases.SAFETY_EVAL_SYSTEMS)
            return system, prompt, first_sentences(snippet(rng, self.c), 2), ""
        m = self.c.math[idx % len(self.c.math)]
        if "{question}" in cot:
            return "", cot.format(question=m.question), f"{m.solution}\nThe answer is {m.final}.", \
                m.solution
        return cot, m.question, f"{m.solution}\n#### {m.final}", m.solution

    def vendor_call(self, rng: random.Random) -> Call:
        qa = pick(rng, self.c.prompts)
        if rng.random() < 0.4:
            tmpl = pick(rng, self.c.evol_templates)
            user = tmpl.replace("<PROMPT>", qa.prompt) + "\n\n#The Given Prompt#:\n" + qa.prompt
            response = qa.prompt + " " + first_sentences(snippet(rng, self.c), 1)
        else:
            user, response = qa.prompt, qa.answer or first_sentences(snippet(rng, self.c), 3)
        return Call(system=pick(rng, self.c.principles), messages=[Msg("user", user)],
                    response=response, temperature=rng.choice((0.7, 0.9, 1.0)),
                    max_tokens=rng.choice((2048, 4096)), n=rng.choice((1, 1, 2, 4)))

    def judge_call(self, rng: random.Random) -> Call:
        qa = pick(rng, self.c.prompts)
        cand = snippet(rng, self.c, 900)
        if rng.random() < 0.3 and self.c.rubric_templates:
            return self.rubric(rng, "", (pick(rng, self.c.rubric_templates),), qa.prompt, 0.0,
                               2048)
        tmpl = self._judges[rng.randrange(len(self._judges))]
        others = [snippet(rng, self.c, 500) for _ in range(rng.randint(1, 3))]
        text = tmpl.render(instruction=qa.prompt, generation=cand, responses=[cand, *others],
                           rubric=pick(rng, JUDGE_RUBRICS))
        score = rng.randint(1, 5)
        return Call(system="", messages=[Msg("user", text)],
                    response=f"Feedback: {first_sentences(cand, 1, 160)} [RESULT] {score}",
                    temperature=0.0, max_tokens=512)

    # --- attacks ----------------------------------------------------------------

    def harvest_item(self, rng: random.Random, mix: Sequence[int]) -> tuple[str, str, str]:
        """(prompt, answer, reasoning) drawn from math / general / code corpora."""
        kind = rng.choices(("math", "prompt", "code"), mix)[0]
        if kind == "math" and self.c.math:
            m = pick(rng, self.c.math)
            return m.question, m.final, m.solution
        pool = self.c.code_tasks if kind == "code" and self.c.code_tasks else self.c.prompts
        qa = pick(rng, pool)
        answer = qa.answer or first_sentences(snippet(rng, self.c), 3)
        reasoning = " ".join(f"Step {i + 1}: {s}" for i, s in
                             enumerate(SENT.split(answer)[:4]))
        return qa.prompt, answer, reasoning

    def coerce(self, rng: random.Random, sk: Mapping[str, Any], orca: bool = False
               ) -> tuple[str, str, str, str]:
        """(system, user, response, reasoning) of a reasoning-trace coercion request."""
        prompt, answer, reasoning = self.harvest_item(rng, sk["mix"])
        opener = pick(rng, self.c.system_messages) if orca and rng.random() < 0.6 \
            else pick(rng, sk["openers"])
        directive = pick(rng, sk["directives"])
        fmt = pick(rng, sk["formats"])
        placement = sk["placement"]
        if placement == "mixed":
            placement = pick(rng, ("system", "user_prefix", "user_suffix"))
        if placement == "system":
            system, user = f"{opener} {directive}\n{fmt}", prompt
        elif placement == "user_prefix":
            system, user = opener, f"{directive}\n\n{prompt}\n\n{fmt}"
        else:
            system, user = opener if rng.random() < 0.5 else "", f"{prompt}\n\n{directive} {fmt}"
        response = f"{reasoning}\n\nFinal answer: {answer}"
        return system.strip(), user, response, reasoning

    def evolve(self, rng: random.Random, sk: Mapping[str, Any]) -> tuple[str, str, str, str]:
        prompt, answer, reasoning = self.harvest_item(rng, sk["mix"])
        if rng.random() < 0.5 and self.c.evol_templates:
            tmpl = pick(rng, self.c.evol_templates)
            user = f"{tmpl.replace('<PROMPT>', prompt)}\n\n#The Given Prompt#:\n{prompt}"
            return "", user, prompt + " " + first_sentences(answer, 1), ""
        directive = pick(rng, sk["directives"])
        system = pick(rng, self.c.system_messages) if rng.random() < 0.5 else ""
        return system, f"{prompt}\n\n{directive}", f"{reasoning}\n\n{answer}", reasoning

    def rubric(self, rng: random.Random, intro: str, templates: Sequence[str],
               instruction: str | None, temperature: float | None, max_tokens: int) -> Call:
        tmpl = pick(rng, templates)
        inst = instruction if instruction is not None else pick(rng, self.c.prompts).prompt
        texts = {f"text_{i}": snippet(rng, self.c, 700) for i in range(1, 5)}
        body = tmpl.replace("{instruction}", inst)
        for k, v in texts.items():
            body = body.replace("{" + k + "}", v)
        user = f"{intro}\n\n{body}" if intro else body
        out = []
        for i in range(1, 5):
            out.append(f"#### Output for Text {i}\nRating: {rng.randint(1, 5)}\nRationale: "
                       f"{first_sentences(texts[f'text_{i}'], 1, 140)}")
        system = self.c.rubric_system if rng.random() < 0.5 else ""
        return Call(system=system, messages=[Msg("user", user)], response="\n\n".join(out),
                    temperature=temperature, max_tokens=max_tokens)

    def code_task(self, rng: random.Random) -> tuple[str, str]:
        if self.c.code_tasks and rng.random() < 0.6:
            qa = pick(rng, self.c.code_tasks)
            return qa.prompt, qa.answer or "Done: the change is implemented and tests pass."
        verb, path = pick(rng, phrases.CODE_TASK_VERBS), pick(rng, phrases.CODE_FILES)
        return f"{verb} {path}.", f"I updated {path} and all tests pass."


def tool_defs(names: Sequence[str]) -> tuple[ToolDef, ...]:
    described = []
    for n in names:
        params = ("path", "content") if any(k in n for k in ("write", "edit", "patch", "replace")) \
            else ("path",) if any(k in n for k in ("file", "cat", "view")) \
            else ("query",) if any(k in n for k in ("grep", "search", "find")) else ("command",)
        described.append(ToolDef(n, f"{n.replace('_', ' ')} in the workspace", params))
    return tuple(described)


def tool_args(rng: random.Random, tool: ToolDef, path: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p in tool.params:
        out[p] = {"path": path, "content": "...", "query": pick(rng, ("TODO", "def ", "error"))
                  }.get(p, pick(rng, ("pytest -q", "npm test", "go test ./...", "ls -la")))
    return out
