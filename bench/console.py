"""The console's speed, measured in a real browser (Debian's Chromium via Selenium),
and the screenshots of docs/console.md.

    .venv/bin/python bench/console.py speed [--accounts 1000000] [--campaign 10000]
    .venv/bin/python bench/console.py screenshots --out docs/console

``speed`` writes a synthetic hunt output of ``--accounts`` accounts (one campaign
of ``--campaign`` accounts with canonical events sharing payment cards, /24 pools,
wrappers and timing; 2,000 smaller campaigns; 40,000 lone flagged accounts; the
rest allowed), serves the console over it and measures, in the browser:

- graph: navigation start to the campaign's graph interactive (its accounts painted:
  pan, zoom, click through) and to every link drawn (links are added after
  the first frame, in one batch), on the first open and again, and the time a zoom takes to paint
  its next frame once every link is in;
- queue: navigation start to ``load`` for queue pages reached by clicking
  "next" (unfiltered, and filtered to unclustered review accounts).

Goals (issue 17): graph <= 2 s, a queue page <= 300 ms. ``screenshots`` simulates a
600-account world, hunts it and saves PNGs of the main pages.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "tests"))

from console.live import chrome, serve, sign_in, wait_for  # noqa: E402

T0 = datetime(2026, 5, 4, tzinfo=UTC)
WRAPPERS = [f"You are DataGen-{i}. Answer step by step, then give the final answer after "
            f"'### ANSWER'. Format rule {i}: numbered steps, no apologies." for i in range(20)]


def synth_hunt(root: Path, n_accounts: int, campaign: int, seed: int = 11) -> Path:
    """A hunt output directory (see the module doc); returns it."""
    import pyarrow.parquet as pq

    from distillguard.schema import Event, event_row, events_table

    rng = random.Random(seed)
    hunt = root / "hunt"
    (hunt / "work").mkdir(parents=True, exist_ok=True)
    big = [f"acct-{i:07d}" for i in range(campaign)]
    rows: list[tuple[str, float, str, str, str]] = []
    clusters: list[tuple[str, int, float, str]] = [
        ("C0001", campaign, 0.99, f"{campaign} accounts; sharing payment instrument, egress "
                                  "/24, system prompt skeleton; lockstep activity")]
    for a in big:
        rows.append((a, round(rng.uniform(0.9, 1.0), 4), "block", "C0001",
                     "tied to its group by shared wrapper and payment"))
    i = campaign
    for c in range(2, 2002):
        size = rng.randint(2, 40)
        risk = round(rng.uniform(0.55, 0.97), 4)
        verdict = "block" if risk > 0.8 else "review"
        clusters.append((f"C{c:04d}", size, risk, f"{size} accounts; sharing wrapper skeleton"))
        for _ in range(size):
            rows.append((f"acct-{i:07d}", risk, verdict, f"C{c:04d}", "shared wrapper"))
            i += 1
    for _ in range(40_000):
        risk = round(rng.uniform(0.5, 0.99), 4)
        rows.append((f"acct-{i:07d}", risk, "block" if risk > 0.85 else "review", "",
                     "single-turn requests 100%; scripted timing"))
        i += 1
    while i < n_accounts:
        rows.append((f"acct-{i:07d}", round(rng.uniform(0.0, 0.45), 4), "allow", "",
                     "no notable signal"))
        i += 1
    rows.sort(key=lambda r: (-r[1], r[0]))
    with (hunt / "accounts.csv").open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(("account_id", "risk", "verdict", "cluster_id", "reasons"))
        w.writerows(rows)
    with (hunt / "clusters.csv").open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(("cluster_id", "size", "risk", "first_seen", "last_seen", "evidence"))
        for cid, size, risk, ev in clusters:
            w.writerow((cid, size, f"{risk:.4f}", "2026-05-04T00:00:00.000Z",
                        "2026-05-10T23:00:00.000Z", ev))
    events = []
    for k, a in enumerate(big):
        team = k // 50  # 50 accounts per team: one card, one /24, one clock
        for j in range(3):
            ts = T0 + timedelta(hours=6 * j + team % 24, minutes=(k % 50) // 10)
            body = {"model": "m-1", "messages": [
                {"role": "system", "content": WRAPPERS[team % len(WRAPPERS)]},
                {"role": "user", "content": f"Problem {k}-{j}: integrate x^{j} sin x."}]}
            events.append(event_row(Event(
                event_id=f"e{k}-{j}", ts=ts, account_id=a, endpoint="chat.completions",
                model="m-1", request=body, response_text="step 1 ... ### ANSWER 42",
                ip=f"198.{18 + team // 250}.{team % 250}.{k % 50 + 1}",
                ip_prefix=f"198.{18 + team // 250}.{team % 250}.0/24",
                prompt_tokens=40, completion_tokens=300)))
    pq.write_table(events_table(events), hunt / "work" / "events.parquet")
    with (root / "accounts.jsonl").open("w") as fh:
        for k, a in enumerate(big):
            fh.write(json.dumps({"account_id": a, "created_at": "2026-05-01T00:00:00Z",
                                 "payment_fingerprint": f"card-{k // 50}",
                                 "signup_ip": f"203.0.{k // 250 % 250}.{k % 250 + 1}"}) + "\n")
    (hunt / "summary.json").write_text(json.dumps({
        "accounts": n_accounts, "inputs": {"events": [str(hunt / "work" / "events.parquet")],
                                           "accounts": str(root / "accounts.jsonl")}}))
    return hunt


def _workbench(hunt: Path, db: Path) -> tuple[Any, str]:
    from distillguard.console import Casebook, Workbench
    from distillguard.gateway.door import MemoryChannel

    bench = Workbench(hunt, Casebook(f"sqlite:///{db}"), MemoryChannel())
    _, token = bench.analysts.create("bench", "analyst")
    return bench, token


def _graph_ms(d: Any, base: str, cid: str) -> tuple[float, float]:
    """(navigation start to the graph interactive, to every link drawn)."""
    d.get(f"{base}/campaign/{cid}")
    # the times the page recorded (ms since navigation start), not when this poll ran
    ready = float(wait_for(d, lambda d: d.execute_script(
        "return window.dgTiming && window.dgTiming.painted || null;"), timeout=180))
    done = float(wait_for(d, lambda d: d.execute_script(
        "var g = document.getElementById('graph');"
        "return g.dataset.complete ? window.dgTiming.complete : null;"), timeout=180))
    return ready, done


def _zoom_ms(d: Any) -> float:
    return float(d.execute_async_script(
        "var done = arguments[0]; var t = performance.now(); var cy = window.dgGraph;"
        "cy.zoom({level: cy.zoom() * 2, renderedPosition: {x: 400, y: 300}});"
        "requestAnimationFrame(function () { requestAnimationFrame(function () {"
        "done(performance.now() - t); }); });"))


def _nav_ms(d: Any) -> float:
    return float(d.execute_script(
        "var n = performance.getEntriesByType('navigation')[0];"
        "return n.loadEventEnd > 0 ? n.loadEventEnd - n.startTime : null;") or 0.0)


def _page_through(d: Any, base: str, query: str, pages: int) -> list[float]:
    from selenium.webdriver.common.by import By

    d.get(f"{base}/?{query}")
    out = []
    for _ in range(pages):
        before = d.find_element(By.ID, "pager").text
        d.find_element(By.ID, "next").click()
        wait_for(d, lambda d, b=before: d.find_element(By.ID, "pager").text != b)
        wait_for(d, lambda d: _nav_ms(d) > 0)
        out.append(round(_nav_ms(d), 1))
    return out


def speed(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="dg-console-bench-") as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        hunt = synth_hunt(root, args.accounts, args.campaign)
        built_s = time.perf_counter() - t
        t = time.perf_counter()
        bench, token = _workbench(hunt, root / "console.db")
        load_s = time.perf_counter() - t
        from distillguard.console import create_app

        with serve(create_app(bench, follow_s=0)) as base, chrome() as d:
            sign_in(d, base, token)
            cold = _graph_ms(d, base, "C0001")
            phases = d.execute_script(
                "var n = performance.getEntriesByType('navigation')[0];"
                "return Object.assign({html_response_end: Math.round(n.responseEnd),"
                " dom_content_loaded: Math.round(n.domContentLoadedEventEnd)}, window.dgTiming);")
            nodes = d.execute_script("return window.dgGraph.nodes().length")
            edges = d.execute_script("return window.dgGraph.edges().length")
            warm = [_graph_ms(d, base, "C0001") for _ in range(args.repeat)]
            phases_again = d.execute_script(
                "var n = performance.getEntriesByType('navigation')[0];"
                "return Object.assign({html_response_end: Math.round(n.responseEnd),"
                " dom_content_loaded: Math.round(n.domContentLoadedEventEnd)}, window.dgTiming);")
            zoom = [_zoom_ms(d) for _ in range(5)]
            plain = _page_through(d, base, "", args.pages)
            filtered = _page_through(d, base, "kind=account&verdict=review", args.pages)
        bench.close()

    def stats(xs: list[float]) -> dict[str, float]:
        s = sorted(xs)
        return {"median": round(statistics.median(s), 1), "max": round(s[-1], 1),
                "p90": round(s[min(len(s) - 1, int(0.9 * len(s)))], 1), "n": len(s)}

    return {
        "command": " ".join(["bench/console.py", *sys.argv[1:]]),
        "accounts": args.accounts, "campaign_accounts": args.campaign,
        "graph_nodes": nodes, "graph_edges": edges,
        "graph_interactive_first_open_ms": round(cold[0], 1),
        "graph_all_links_first_open_ms": round(cold[1], 1),
        "graph_interactive_reopen_ms": stats([w[0] for w in warm]),
        "graph_all_links_reopen_ms": stats([w[1] for w in warm]),
        "graph_phases_first_ms": phases, "graph_phases_reopen_ms": phases_again,
        "zoom_frame_ms": stats(zoom), "queue_page_ms": stats(plain),
        "queue_filtered_page_ms": stats(filtered),
        "goals": {"graph_ms": 2000, "queue_page_ms": 300},
        "setup_s": {"synthetic_hunt": round(built_s, 1), "console_load": round(load_s, 1)},
        "load_average": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count(),
        "browser": subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True,
                                  text=True).stdout.strip(),
    }


def screenshots(args: argparse.Namespace) -> dict[str, Any]:
    from selenium.webdriver.common.by import By

    from distillguard.console import create_app

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    dg = str(REPO / ".venv" / "bin" / "distillguard")
    with tempfile.TemporaryDirectory(prefix="dg-console-shots-") as tmp:
        root = Path(tmp)
        subprocess.run([dg, "simulate", "--out", str(root / "world"), "--accounts", "600",
                        "--days", "7", "--format", "json"], check=True, capture_output=True)
        subprocess.run([dg, "hunt", "--events", str(root / "world" / "events.jsonl.gz"),
                        "--accounts", str(root / "world" / "accounts.jsonl"), "--out",
                        str(root / "hunt"), "--no-report", "--format", "json"],
                       check=True, capture_output=True)
        bench, token = _workbench(root / "hunt", root / "console.db")
        _, viewer = bench.analysts.create("vera", "viewer")
        saved = []
        with serve(create_app(bench, follow_s=0)) as base, chrome(1400, 1100) as d:
            sign_in(d, base, token)
            d.get(base + "/")
            d.save_screenshot(str(out / "queue.png"))
            saved.append("queue.png")
            d.get(base + "/campaign/C0001")
            wait_for(d, lambda d: d.find_element(By.ID, "graph").get_attribute("data-ready"))
            d.save_screenshot(str(out / "campaign.png"))
            saved.append("campaign.png")
            d.execute_script("document.getElementById('samples').scrollIntoView()")
            d.find_element(By.CSS_SELECTOR, "#show-raw button").click()
            wait_for(d, lambda d: d.find_elements(By.CLASS_NAME, "raw-flag"))
            d.execute_script("document.getElementById('samples').scrollIntoView()")
            d.save_screenshot(str(out / "campaign-raw.png"))
            saved.append("campaign-raw.png")
            ref = bench.findings.campaigns["C0001"].members[0]
            d.get(base + "/account/" + bench.findings.accounts[ref].ref)
            d.save_screenshot(str(out / "account.png"))
            saved.append("account.png")
            d.delete_all_cookies()
            sign_in(d, base, viewer)
            d.get(base + "/campaign/C0001")
            wait_for(d, lambda d: d.find_element(By.ID, "graph").get_attribute("data-ready"))
            d.execute_script("document.getElementById('samples').scrollIntoView()")
            d.save_screenshot(str(out / "campaign-viewer.png"))
            saved.append("campaign-viewer.png")
        bench.close()
    return {"saved": [str(out / s) for s in saved]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("speed")
    sp.add_argument("--accounts", type=int, default=1_000_000)
    sp.add_argument("--campaign", type=int, default=10_000)
    sp.add_argument("--pages", type=int, default=10)
    sp.add_argument("--repeat", type=int, default=3)
    ss = sub.add_parser("screenshots")
    ss.add_argument("--out", default=str(REPO / "docs" / "console"))
    args = ap.parse_args()
    result = speed(args) if args.cmd == "speed" else screenshots(args)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
