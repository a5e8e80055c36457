"""Hunt evidence: the stopped share of harvesting by detected campaigns."""

from __future__ import annotations

from pathlib import Path

import pytest

from distillguard.outlook import load_scenario, read_hunt_evidence, run
from distillguard.schema.errors import InputError

HEADER = "account_id,risk,verdict,cluster_id,reasons"


def _write(d: Path, rows: list[str], header: str = HEADER) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "accounts.csv").write_text("\n".join([header, *rows]) + "\n")
    return d


def test_account_counts_when_no_exchange_column(tmp_path: Path) -> None:
    rows = [f"b{i},0.9,block,c1,fan-out" for i in range(30)]
    rows += [f"r{i},0.6,review,c1,fan-out" for i in range(10)]
    rows += [f"a{i},0.1,allow,,none" for i in range(50)]
    rows += [f"x{i},0.2,allow,c2,weak" for i in range(5)]  # c2 never flagged: not detected
    ev = read_hunt_evidence(_write(tmp_path / "h", rows))
    assert (ev.campaigns, ev.accounts, ev.blocked_accounts) == (1, 40, 30)
    assert ev.weight_basis == "accounts" and ev.stopped_share == pytest.approx(0.75)
    assert ev.low < 0.75 < ev.high and ev.low <= ev.mode <= ev.high


def test_exchange_weighted_share_and_quarantine(tmp_path: Path) -> None:
    header = HEADER + ",exchanges"
    rows = ["a,0.9,block,c1,x,900", "b,0.7,review,c1,x,100", "c,0.9,bogus,c1,x,5",
            "d,0.9,block,c1,x,many"]
    ev = read_hunt_evidence(_write(tmp_path / "h", rows, header))
    assert ev.harvested == 1000 and ev.stopped == 900
    assert ev.weight_basis == "exchanges (exchanges)"
    assert len(ev.quarantined) == 2 and ":4:" in ev.quarantined[0]


def test_cluster_totals_split_over_accounts(tmp_path: Path) -> None:
    d = _write(tmp_path / "h", ["a,0.9,block,c1,x", "b,0.6,review,c1,x", "c,0.9,block,c2,x"])
    (d / "clusters.csv").write_text("cluster_id,n_events\nc1,1000\nc2,3000\n")
    ev = read_hunt_evidence(d)
    assert ev.harvested == 4000 and ev.stopped == 3500


def test_no_detected_campaign_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no detected campaign"):
        read_hunt_evidence(_write(tmp_path / "h", ["a,0.1,allow,,none"]))
    with pytest.raises(InputError, match="no accounts.csv"):
        read_hunt_evidence(tmp_path)


def test_better_blocking_lengthens_the_lag(tmp_path: Path) -> None:
    sc = load_scenario("us-leads")
    lags = []
    for blocked in (2, 38):
        rows = [f"b{i},0.9,block,c1,x" for i in range(blocked)]
        rows += [f"r{i},0.6,review,c1,x" for i in range(40 - blocked)]
        ev = read_hunt_evidence(_write(tmp_path / f"h{blocked}", rows))
        r = run(sc.with_params(distillation_curb_effect=ev.as_param()), draws=500, seed=4)
        lags.append(r.year(2028).lag.p50)
    assert lags[1] > lags[0]
