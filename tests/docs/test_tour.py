"""The README's tour is a tested document: its shell block runs as written.

The block is taken from README.md (the first ``sh`` block under "## A tour")
and run by bash in a temporary directory with a fresh data directory and no
``DISTILLGUARD_*`` setting from the caller. Only two things are added around
it: the ports the tour names are moved to free ones (the machine may run other
servers), and after each line sent to the background the script waits until
that server listens, as a reader waits for its "listening" line.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.servers import free_port

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.spark]


def tour_block(readme: str) -> str:
    """The first ```sh block after the "## A tour" heading."""
    section = readme[readme.index("\n## A tour"):]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match, "README: no ```sh block under '## A tour'"
    return match.group(1)


def tour_commands(block: str) -> list[str]:
    """Logical lines (continuations joined), comments and blank lines dropped."""
    lines = block.replace("\\\n", " ").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]


def harness(commands: list[str], ports: dict[str, str]) -> str:
    """The bash script: the tour's lines, ports moved, a wait after each server."""
    pattern = re.compile(r"(?<=[:= ])(" + "|".join(map(re.escape, ports)) + r")\b")
    out = [
        "set -euo pipefail",
        "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT",
        "wait_port() { for _ in $(seq 600); do "
        "(echo > /dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.2; done; "
        "echo \"nothing listens on $1\" >&2; return 1; }",
    ]
    for cmd in commands:
        line = pattern.sub(lambda m: ports[m.group(1)], cmd)
        out.append(f"echo '+ {line.replace(chr(39), '')}' >&2")
        out.append(line)
        # a comment after '&' would swallow nothing, but be exact about what backgrounds
        bare = line.split(" #")[0].rstrip()
        if bare.endswith("&"):
            port = re.search(r"--port (\d+)", bare)
            assert port, f"a background line without --port: {cmd}"
            out.append(f"wait_port {port.group(1)}")
    return "\n".join(out) + "\n"


def test_tour_parses_into_commands() -> None:
    cmds = tour_commands(tour_block((REPO / "README.md").read_text(encoding="utf-8")))
    verbs = {c.split()[1] for c in cmds if c.startswith("distillguard ")}
    # every area of the product appears in the tour
    assert {"simulate", "ingest", "hunt", "evaluate", "serve", "replay", "gateway", "intel",
            "screen", "outlook"} <= verbs
    for c in cmds:
        for path in re.findall(r"examples/[\w.]+", c):
            assert (REPO / path).is_file(), f"the tour reads {path}, which is not shipped"


def test_readme_tour_runs_as_written(tmp_path: Path) -> None:
    commands = tour_commands(tour_block((REPO / "README.md").read_text(encoding="utf-8")))
    named = sorted({p for c in commands for p in re.findall(r"--port (\d+)", c)})
    ports = {p: str(free_port()) for p in named}
    script = harness(commands, ports)
    (tmp_path / "tour.sh").write_text(script, encoding="utf-8")
    (tmp_path / "examples").symlink_to(REPO / "examples")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISTILLGUARD_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["DISTILLGUARD_DATA_DIR"] = str(tmp_path / "data")
    # serve's default upstream is the stub's documented port; it moved with the others
    env["DISTILLGUARD_GATEWAY_UPSTREAM_URL"] = f"http://127.0.0.1:{ports['8000']}"
    with (tmp_path / "tour.log").open("w") as log:
        res = subprocess.run(["bash", "tour.sh"], cwd=tmp_path, env=env, stdout=log,
                             stderr=subprocess.STDOUT, timeout=1200, check=False)
    text = (tmp_path / "tour.log").read_text(encoding="utf-8", errors="replace")
    assert res.returncode == 0, f"the tour failed (exit {res.returncode}):\n{text[-6000:]}"

    # each step reached a meaningful result, not merely exit 0
    verdicts = _csv(tmp_path / "hunt" / "accounts.csv")
    assert any(r["verdict"] == "block" for r in verdicts)
    assert _csv(tmp_path / "hunt-spark" / "accounts.csv")
    report = json.loads((tmp_path / "eval.json").read_text())
    assert report["at_block"]["tp"] > 0
    assert "per campaign" in text  # replay printed its campaign table
    assert _csv(tmp_path / "alerts.csv"), "intel match found nothing it had exported itself"
    screened = {r["customer_id"]: r["decision"] for r in _csv(tmp_path / "screened" /
                                                             "matches.csv")}
    assert screened["c-002"] == "match" and screened["c-001"] == "clear"
    assert (tmp_path / "outlook-us-leads").is_dir() and (tmp_path / "outlook-fit").is_dir()


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
