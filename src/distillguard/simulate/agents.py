"""Agent scaffolds and tool-use trajectories: coding, web research, data analysis.

A scaffold is a system prompt plus tool schemas. Public frameworks ship a
default scaffold that thousands of unrelated developers run unchanged, so a
shared system prompt and tool set is common benign evidence; harvesting
operations run either such a framework or their own scaffold. Trajectories are
multi-step: the model calls a tool, the tool's result is fed back, and the loop
ends with a final answer. Nothing here asks for reasoning or grading: what an
agentic harvest collects is the trajectory itself.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from distillguard.simulate import phrases
from distillguard.simulate.bodies import ToolDef
from distillguard.simulate.content import Author, first_sentences, pick, snippet

# Each tool role with the names real frameworks give it.
ROLES: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], str]]] = {
    # role: (names, params, kinds, description)
    "shell": (("bash", "execute_bash", "run_shell", "terminal", "exec_command"),
              ("command",), ("string",), "Run a shell command in the workspace and return "
              "its output."),
    "read_file": (("view_file", "read_file", "open_file", "cat_file", "str_replace_editor"),
                  ("path", "start_line"), ("string", "integer"), "Show the contents of a file."),
    "edit_file": (("edit_file", "apply_patch", "replace_in_file", "write_file"),
                  ("path", "old_text", "new_text"), ("string", "string", "string"),
                  "Replace text in a file."),
    "run_tests": (("run_tests", "pytest", "test_runner", "check"), ("target",), ("string",),
                  "Run the test suite or one test target."),
    "search": (("web_search", "search", "google_search", "tavily_search", "bing_search"),
               ("query", "max_results"), ("string", "integer"), "Search the web."),
    "fetch": (("fetch_url", "browse", "open_url", "read_webpage", "scrape"), ("url",),
              ("string",), "Fetch a web page and return its text."),
    "python": (("python", "run_python", "python_repl", "code_interpreter", "execute_code"),
               ("code",), ("string",), "Execute Python code and return stdout."),
    "read_table": (("read_csv", "load_table", "query_table", "sql_query"),
                   ("source", "limit"), ("string", "integer"), "Read rows from a table."),
}
DOMAINS: Final = {"coding": ("read_file", "edit_file", "shell", "run_tests"),
                  "research": ("search", "fetch"),
                  "data": ("read_table", "python")}


@dataclass(frozen=True, slots=True)
class Scaffold:
    name: str
    system: str
    tools: tuple[ToolDef, ...]
    roles: tuple[tuple[str, str], ...]  # (role, tool name)
    domains: tuple[str, ...]

    def tool(self, role: str) -> ToolDef:
        name = dict(self.roles)[role]
        return next(t for t in self.tools if t.name == name)


def make_scaffold(name: str, system: str, domains: Sequence[str], choice: int = 0,
                  rng: random.Random | None = None) -> Scaffold:
    """A scaffold for ``domains``; tool names are the ``choice``-th of each role (or drawn)."""
    tools: list[ToolDef] = []
    roles: list[tuple[str, str]] = []
    for d in domains:
        for role in DOMAINS[d]:
            names, params, kinds, desc = ROLES[role]
            tool_name = pick(rng, names) if rng is not None else names[choice % len(names)]
            if any(t.name == tool_name for t in tools):
                tool_name = f"{tool_name}_{role}"
            tools.append(ToolDef(tool_name, desc, params, kinds))
            roles.append((role, tool_name))
    return Scaffold(name, system, tuple(tools), tuple(roles), tuple(domains))


# Default prompts of public agent frameworks, written for the simulator in the
# style such frameworks use (not copied from any one of them).
PUBLIC_FRAMEWORKS: Final = (
    make_scaffold("toolchain-agent", "You are a helpful assistant. You have access to tools; "
                  "call them when they help you answer the user's request, and answer "
                  "directly when you already know enough.", ("research", "data"), 0),
    make_scaffold("open-workbench", "You are an AI software engineer working in a sandboxed "
                  "workspace at /workspace. You can run shell commands, view and edit files. "
                  "Make minimal, focused changes, run the tests, and report what you changed "
                  "when you are done.", ("coding",), 1),
    make_scaffold("pairdev", "Act as an expert software developer. Follow the conventions "
                  "already used in the repository. Use the tools to read files before you edit "
                  "them. Keep changes small and explain them briefly.", ("coding",), 2),
    make_scaffold("scout-research", "You are a research assistant. Search the web, read the "
                  "most relevant sources and write a concise answer with citations as "
                  "[n] links.", ("research",), 3),
    make_scaffold("notebook-agent", "You are a data analysis assistant with a Python "
                  "environment (pandas, numpy, matplotlib). Load the data, compute what is "
                  "asked and summarise the result in plain language.", ("data",), 0),
)

_SYS_A: Final = ("You are an agent that completes tasks using the tools provided.",
                 "You are a task-solving assistant with tool access.",
                 "You complete the user's task end to end.",
                 "You are an autonomous assistant operating through function calls.",
                 "You are a general-purpose agent.")
_SYS_B: Final = ("Use tools whenever they are useful.", "Prefer calling a tool to guessing.",
                 "Call one tool at a time and wait for its result.",
                 "Work until the task is finished.", "Verify results with the tools.")
_SYS_C: Final = ("Finish with a clear final answer.", "Be concise in the final reply.",
                 "When done, give the result and nothing else.",
                 "Report the outcome at the end.", "")


def custom_scaffold(rng: random.Random, name: str) -> Scaffold:
    """An operation's own scaffold: neutral wording, tool names drawn per operation."""
    system = " ".join(x for x in (pick(rng, _SYS_A), pick(rng, _SYS_B), pick(rng, _SYS_C)) if x)
    domains = ("coding", "research", "data")
    return make_scaffold(name, system, domains, rng=rng)


_NEUTRAL: Final = ("", "", "", "Checking.", "Let me look.", "Running it now.", "One moment.",
                   "Looking that up.", "Opening the file.")
_DOMAINS_WEB: Final = ("en.wikipedia.org", "docs.python.org", "stackoverflow.com",
                       "www.britannica.com", "arxiv.org", "github.com", "www.reuters.com",
                       "developer.mozilla.org", "www.nature.com", "medium.com")
_TABLES: Final = (("sales_2025.csv", "region", "revenue"), ("orders.parquet", "product", "units"),
                  ("survey.csv", "country", "score"), ("tickets.csv", "team", "hours"),
                  ("energy.csv", "month", "kwh"), ("web_logs.csv", "page", "visits"))
_LABELS: Final = ("north", "south", "east", "west", "central", "online", "retail", "export")
Step = tuple[str, str, dict[str, Any], str]  # (assistant text, tool role, args, tool result)


def trajectory(w: Author, rng: random.Random, scaffold: Scaffold, domain: str,
               steps: int) -> tuple[str, list[Step], str]:
    """(task, steps, final answer) of one agent loop in ``domain``."""
    if domain == "coding":
        return _coding(w, rng, steps)
    if domain == "research":
        return _research(w, rng, steps)
    return _data(rng, steps)


_LANGS: Final = {"python": ".py", "javascript": ".js", "typescript": ".ts", "java": ".java",
                  "golang": ".go", " go ": ".go", "rust": ".rs", "ruby": ".rb", "sql": ".sql"}
_IDENTS: Final = ("parse_record", "load_config", "retry", "normalize", "fetch_page", "merge_rows",
                  "validate", "to_json", "schedule", "render_table", "checksum", "paginate")


def _path_for(rng: random.Random, task: str) -> str:
    low = f" {task.lower()} "
    for word, ext in _LANGS.items():
        if word in low:
            stem = pick(rng, phrases.CODE_FILES).rsplit(".", 1)[0]
            return str(stem) + ext
    return str(pick(rng, phrases.CODE_FILES))


def _source(rng: random.Random, path: str) -> str:
    """A plausible excerpt of ``path``: a few functions in the file's language."""
    ext = path.rsplit(".", 1)[-1]
    names = rng.sample(_IDENTS, 3)
    lines: list[str] = []
    for n in names:
        arg, k = pick(rng, ("items", "path", "rows", "value", "ctx")), rng.randint(2, 9)
        if ext == "py":
            lines += [f"def {n}({arg}, limit={k}):", f"    if not {arg}:", "        return None",
                      f"    return [x for x in {arg}][:limit]", ""]
        elif ext == "go":
            lines += [f"func {n.title().replace('_', '')}({arg} []string) ([]string, error) {{",
                      f"	if len({arg}) == 0 {{", "		return nil, errEmpty", "	}",
                      f"	return {arg}[:min(len({arg}), {k})], nil", "}", ""]
        elif ext == "rs":
            lines += [f"pub fn {n}({arg}: &[String]) -> Option<Vec<String>> {{",
                      f"    if {arg}.is_empty() {{ return None; }}",
                      f"    Some({arg}.iter().take({k}).cloned().collect())", "}", ""]
        else:
            camel = n.split("_")[0] + "".join(x.title() for x in n.split("_")[1:])
            lines += [f"function {camel}({arg}) {{", f"  if (!{arg}) return null;",
                      f"  return {arg}.slice(0, {k});", "}", ""]
    return "\n".join(lines)


def _coding(w: Author, rng: random.Random, steps: int) -> tuple[str, list[Step], str]:
    task, final = w.code_task(rng)
    path = _path_for(rng, task)
    body = _source(rng, path)
    plan: list[Step] = [
        (pick(rng, _NEUTRAL), "shell", {"command": pick(rng, (f"grep -rn TODO {path}", "ls -R",
                                                             "git status", f"wc -l {path}"))},
         f"{path}\n" + "\n".join(f"{path}:{rng.randint(1, 300)}: {line[:80]}"
                                 for line in body.splitlines()[:3])),
        (pick(rng, _NEUTRAL), "read_file", {"path": path, "start_line": rng.randint(1, 120)},
         body),
        (pick(rng, _NEUTRAL), "edit_file", {"path": path, "old_text": body.splitlines()[2],
                                            "new_text": first_sentences(final)[:60]},
         f"Edited {path}: 1 replacement."),
        (pick(rng, _NEUTRAL), "run_tests", {"target": pick(rng, ("tests", "tests/unit", "."))},
         f"collected {rng.randint(4, 90)} items\n{rng.randint(1, 3)} failed"),
    ]
    out: list[Step] = []
    while len(out) < steps - 1:
        out.append(plan[len(out) % len(plan)])
    if out:
        k = rng.randint(4, 90)
        out[-1] = (pick(rng, _NEUTRAL), "run_tests", {"target": "tests"},
                   f"collected {k} items\n{k} passed in {rng.uniform(0.2, 30):.2f}s")
    return task, out, final


def _research(w: Author, rng: random.Random, steps: int) -> tuple[str, list[Step], str]:
    qa = pick(rng, w.c.prompts)
    final = qa.answer or first_sentences(snippet(rng, w.c, 900), 4)
    words = [x.strip(".,?!:;\"'") for x in qa.prompt.split()[:9]]
    out: list[Step] = []
    while len(out) < steps - 1:
        if len(out) % 2 == 0:
            hits = "\n".join(
                f"[{i + 1}] {first_sentences(snippet(rng, w.c, 120))[:70]} — "
                f"https://{pick(rng, _DOMAINS_WEB)}/{rng.randrange(10**6)}\n"
                f"{snippet(rng, w.c, 200)}" for i in range(rng.randint(2, 4)))
            out.append((pick(rng, _NEUTRAL), "search",
                        {"query": " ".join(rng.sample(words, min(len(words), rng.randint(3, 6)))),
                         "max_results": rng.choice((3, 5, 5, 10))}, hits))
        else:
            out.append((pick(rng, _NEUTRAL), "fetch",
                        {"url": f"https://{pick(rng, _DOMAINS_WEB)}/{rng.randrange(10**6)}"},
                        snippet(rng, w.c, 900)))
    return qa.prompt, out, final


def _data(rng: random.Random, steps: int) -> tuple[str, list[Step], str]:
    table, key, value = pick(rng, _TABLES)
    labels = rng.sample(_LABELS, 4)
    values = {lab: round(rng.uniform(10, 5000), 1) for lab in labels}
    growth = {lab: round(rng.uniform(-20, 40), 1) for lab in labels}
    ask = pick(rng, (f"Using {table}, which {key} has the highest total {value}, and by how much?",
                     f"Load {table} and compare {value} by {key}; what stands out?",
                     f"In {table}, compute the year-on-year change of {value} for every {key}.",
                     f"Summarise {table}: mean and max {value} per {key}."))
    top = max(values, key=lambda k: values[k])
    out: list[Step] = [("", "read_table", {"source": table, "limit": 5},
                        "\n".join([f"{key},{value},date"] + [
                            f"{lab},{values[lab] / 12:.1f},2025-0{m + 1}-01"
                            for m, lab in enumerate(labels)]))]
    while len(out) < steps - 1:
        code = pick(rng, (f"df = pd.read_csv('{table}')\nprint(df.groupby('{key}')['{value}']"
                          ".sum().sort_values())",
                          f"df.groupby('{key}')['{value}'].agg(['mean', 'max'])",
                          f"df.pivot_table(index='{key}', values='{value}', aggfunc='sum')"
                          ".pct_change()"))
        result = "\n".join(f"{lab:<10} {values[lab]:>10.1f} {growth[lab]:>6.1f}%"
                           for lab in labels)
        out.append((pick(rng, _NEUTRAL), "python", {"code": code}, result))
    final = (f"{top.title()} leads with {values[top]:,.1f} {value}; the spread across "
             f"{key}s is {max(values.values()) - min(values.values()):,.1f}. Change by {key}: "
             + ", ".join(f"{lab} {growth[lab]:+.1f}%" for lab in labels) + ".")
    return ask, out, final
