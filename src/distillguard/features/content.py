"""Content signals: families of phrasing that harvesting pipelines send.

Each family is a regular expression over the system prompt and the last user
message, written in the subset shared by Python ``re``, RE2 (DuckDB) and Java
regex (Spark): no look-around, no back-references, inline ``(?i)`` only. The
batch hunt compiles the very same patterns into SQL (see
:mod:`distillguard.features.plan`); :func:`request_signals` applies them to one
request online, so the gateway and the hunt agree on every definition.

The families describe *kinds* of instruction (coercing a reasoning trace,
asking for a grade, asking for N new training items), each covering many
paraphrases; none is keyed to one corpus's exact wording, because the hunt is
judged on traffic built from corpora it has never seen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from distillguard.schema import NormalizedRequest

_VERBS_SHOW: Final = (
    r"(show|explain|write out|write down|walk (me )?through|lay out|spell out|articulate"
    r"|verbali[sz]e|expose|reveal|include|provide|give|output|print|narrate|document)"
)
_TRACE_NOUNS: Final = (
    r"(reasoning|thought process|thinking|chain of thought|thoughts|working|derivation"
    r"|rationale|scratchpad|intermediate steps|every step|each step|all steps|deliberation)"
)

#: Instructions to write out full or internal reasoning (the trace is what a
#: student model is trained on).
REASONING_COERCION: Final = (
    r"(?i)(step[- ]by[- ]step|chain[- ]of[- ]thought|\bcot\b|think (aloud|out loud|carefully"
    r"|through|deeply|hard)|let.?s think|<think>|<thinking>|reasoning (trace|steps|process|chain)"
    r"|before (giving|providing|stating|writing|you give|you state) (your|the|a) (final )?answer"
    r"|justify (your|each|every) (step|answer|claim)|internal (monologue|reasoning|thoughts)"
    r"|(full|complete|entire|raw|detailed|verbatim|unabridged) (reasoning|thinking|thought)"
    r"|" + _VERBS_SHOW + r"[^.\n]{0,40}" + _TRACE_NOUNS + r"|show (all )?(your|the) work)"
)

#: Rubric, grading, reward-model and preference prompts (labels for RLAIF).
RUBRIC_GRADING: Final = (
    r"(?i)(\brubric\b|(rate|score|grade|evaluate|assess|judge|rank|critique) (the|this|each|these"
    r"|following|both|all|every)[^.\n]{0,40}(responses?|answers?|outputs?|completions?|texts?"
    r"|assistants?|generations?|candidates?|replies|summar(y|ies))|on a scale (of|from) [0-9]+"
    r" ?(to|-) ?[0-9]+|(rating|score|grade) (from|between|of) [0-9]+ (and|to|-|out of) ?[0-9]+"
    r"|\b(rating|score|verdict) ?: ?\[|(which|what) (response|answer|output|assistant|completion)"
    r" (is|was) (better|more helpful|preferred|more accurate|best)|reward (model|score|signal)"
    r"|preference (data|pairs?|labels?|judg[e]?ments?)|(helpfulness|harmlessness|honesty"
    r"|truthfulness|instruction[- ]following|factuality)[^.\n]{0,30}(score|rating|criteria"
    r"|assessment|scale)|(pairwise|side-by-side|head-to-head) comparison|as an? (impartial|fair"
    r"|strict|expert) (judge|grader|evaluator|annotator)|\bchosen\b[^.\n]{0,40}\brejected\b"
    r"|give (it|each|every|the responses?|the answers?) a (score|rating|grade))"
)

_NUM_WORD: Final = (
    r"([0-9]+|two|three|four|five|six|seven|eight|nine|ten|twenty|fifty|hundred|several"
    r"|multiple|many|diverse|new|more|additional)"
)
_ITEM_NOUNS: Final = (
    r"(questions|examples|tasks|instructions|prompts|problems|samples|conversations|dialogues"
    r"|exercises|queries|data ?points|instances|test cases|q&a pairs|question-answer pairs"
    r"|training items|variations|paraphrases|scenarios)"
)

#: Synthetic-data generation: self-instruct, evol-instruct, "generate N questions".
SYNTHETIC_GENERATION: Final = (
    r"(?i)((generate|create|write|produce|compose|draft|list|brainstorm|come up with|propose"
    r"|synthesi[sz]e|invent|design) (me )?(a list of |a set of |a batch of |an array of )?"
    + _NUM_WORD + r" ([a-z-]+ ){0,3}" + _ITEM_NOUNS
    + r"|(list|set|series|batch|collection|array) of [^.\n]{0,30}" + _ITEM_NOUNS
    + r"[^.\n]{0,40}(diverse|varied|different|unique|novel|new)"
    r"|self[- ]instruct|evol[- ]?instruct|synthetic (data|dataset|examples|training|corpus)"
    r"|(training|fine-?tuning|instruction[- ]tuning|sft) (data|dataset|examples|set|corpus)"
    r"|rewrite (the|this|a|given) (given )?(prompt|instruction|question|task)[^.\n]{0,60}(more "
    r"(complex|difficult|challenging|rare|specific)|harder|deeper)|#(given|rewritten|created|new)"
    r" ?prompt#|increase the (difficulty|complexity|depth|breadth)|(more|less) (complex|difficult"
    r"|challenging) version|(diverse|varied) (set of )?(tasks|instructions|topics|questions)"
    r"|(json|jsonl) (list|array|lines) of [^.\n]{0,30}" + _ITEM_NOUNS + r")"
)

#: Evaluation-harness phrasing: what researchers running a public benchmark send.
EVAL_HARNESS: Final = (
    r"(?i)(answer with (only |just )?(the |a |one )?(single )?(letter|number|option|choice)"
    r"|the following (are|is) (a )?multiple[- ]choice question|choose (the )?(correct|best|right)"
    r" (answer|option|choice)|respond with (only |just )?(a|one|the) (single )?(letter|word"
    r"|number|option)|(^|\n) ?answer: ?$|\(a\)[^\n]{0,200}\(b\)[^\n]{0,200}\(c\)|\ba\. [^\n]{1,200}"
    r"\n ?b\. |output only the (final )?(answer|label|letter))"
)

#: Topic families: the account's breadth of coverage is measured over these.
TOPICS: Final[tuple[tuple[str, str], ...]] = (
    ("math", r"(?i)(equation|integral|derivative|probabilit|theorem|\bprove\b|solve for|calculate"
             r"|how many|how much|polynomial|matrix|arithmetic|algebra|geometry|fraction|percent"
             r"|[0-9] ?[-+*/^=] ?[0-9])"),
    ("code", r"(?i)(python|javascript|typescript|function|\bdef |\bclass\b|\bsql\b|\bcode\b|\bbug\b"
             r"|compile|algorithm|regex|\bapi\b|\bjava\b|c\+\+|\brust\b|program|script|debug"
             r"|stack ?trace|html|css)"),
    ("science", r"(?i)(physics|chemistr|biolog|molecul|\bcells?\b|energy|quantum|atom|protein"
                r"|species|climate|planet|evolution|enzyme|electr)"),
    ("writing", r"(?i)(essay|story|poem|cover letter|e-?mail|rewrite|summari[sz]e|translat|blog"
                r"|article|paragraph|slogan|caption|tweet|speech|lyrics)"),
    ("business", r"(?i)(marketing|customer|sales|business|startup|invoice|product|meeting"
                 r"|strategy|revenue|budget|resume|interview|salary)"),
    ("health", r"(?i)(health|doctor|symptom|diet|exercise|medicine|sleep|pain|disease|nutrition)"),
    ("life", r"(?i)(recipe|travel|gift|movie|book|music|game|relationship|advice|hobby|garden"
             r"|pet|dog|cat|friend|party|wedding|vacation)"),
    ("society", r"(?i)(history|politic|law|legal|government|war|religio|philosoph|econom"
                r"|culture|ethic)"),
)

#: Reasoning effort values that ask for the longest trace.
HIGH_EFFORT: Final = frozenset({"high", "xhigh", "max", "maximum"})
LARGE_THINKING_BUDGET: Final = 8000
LONG_OUTPUT_TOKENS: Final = 4096
#: Only this many characters of a prompt are matched (long documents add cost, not signal).
MAX_TEXT: Final = 4000
#: A prompt's topic shows in its opening; only this much is matched for it.
TOPIC_CHARS: Final = 240


@dataclass(frozen=True)
class Family:
    """A named content family and the pattern that recognises it."""

    name: str
    pattern: str
    help: str


FAMILIES: Final = (
    Family("reasoning_coercion", REASONING_COERCION,
           "asks the model to write out its full or internal reasoning"),
    Family("rubric_grading", RUBRIC_GRADING,
           "asks the model to grade, rate or compare outputs (reward/preference labels)"),
    Family("synthetic_generation", SYNTHETIC_GENERATION,
           "asks the model to generate new training items (self-instruct, evol-instruct)"),
    Family("eval_harness", EVAL_HARNESS,
           "benchmark-harness phrasing (multiple choice, answer with the letter)"),
)

_COMPILED: Final = {f.name: re.compile(f.pattern) for f in FAMILIES}
_TOPICS_COMPILED: Final = tuple((name, re.compile(p)) for name, p in TOPICS)


def request_text(view: NormalizedRequest) -> str:
    """What the content families are matched against: system prompt and last user turn."""
    return f"{view.system[:MAX_TEXT]} {view.last_user_text[:MAX_TEXT]}"[:MAX_TEXT]


def topic_of(text: str) -> str:
    """First topic family that matches, or ``other``."""
    head = text[:TOPIC_CHARS]
    for name, rx in _TOPICS_COMPILED:
        if rx.search(head):
            return name
    return "other"


def reasoning_param_signal(enabled: bool, effort: str | None, budget: int | None) -> float:
    """1 for maximal reasoning settings, 0.5 for reasoning on at ordinary settings."""
    if (effort or "").lower() in HIGH_EFFORT or (budget or 0) >= LARGE_THINKING_BUDGET:
        return 1.0
    return 0.5 if enabled else 0.0


def request_signals(view: NormalizedRequest) -> dict[str, float]:
    """Per-request content signals in [0, 1], the same definitions the hunt aggregates.

    Keys: one per content family (``reasoning_coercion``, ``rubric_grading``,
    ``synthetic_generation``, ``eval_harness``), plus ``reasoning_params``
    (maximal effort or a large thinking budget), ``long_output`` (``max_tokens``
    of at least 4096), ``logprobs`` and ``multi_sample`` (``n`` > 1), and
    ``single_turn`` (one user turn, no prior assistant turn).
    """
    text = request_text(view)
    out = {name: 1.0 if rx.search(text) else 0.0 for name, rx in _COMPILED.items()}
    out["reasoning_params"] = reasoning_param_signal(
        view.reasoning.enabled, view.reasoning.effort, view.reasoning.budget_tokens
    )
    out["long_output"] = 1.0 if (view.max_tokens or 0) >= LONG_OUTPUT_TOKENS else 0.0
    out["logprobs"] = 1.0 if view.logprobs else 0.0
    out["multi_sample"] = 1.0 if view.n > 1 else 0.0
    out["single_turn"] = 1.0 if view.n_user_turns <= 1 else 0.0
    return out
