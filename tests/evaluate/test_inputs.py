"""Bad inputs give clear errors naming file, line and field; the replay log
never stops on a bad line."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
import zstandard
from click.testing import CliRunner

from distillguard.cli.main import cli
from distillguard.evaluate import evaluate, replay_summary
from distillguard.evaluate.inputs import read_truth
from distillguard.schema import InputError

DATA = Path(__file__).resolve().parent / "data"
HEADER = "account_id,risk,verdict,cluster_id,reasons\n"


def _copy(tmp: Path) -> Path:
    for f in DATA.iterdir():
        shutil.copy(f, tmp / f.name)
    return tmp


def test_unknown_label_names_file_line_and_field(tmp_path: Path) -> None:
    p = tmp_path / "labels.csv"
    p.write_text("account_id,label,campaign\na1,distiller,op\na2,spy,\n")
    with pytest.raises(InputError) as exc:
        read_truth(p)
    assert f"{p}:3" in exc.value.message
    assert exc.value.details["problems"][0]["field"] == "label"


def test_wrong_header_and_duplicates(tmp_path: Path) -> None:
    p = tmp_path / "labels.csv"
    p.write_text("id,label\na1,benign\n")
    with pytest.raises(InputError, match="header must be account_id,label,campaign"):
        read_truth(p)
    p.write_text("account_id,label,campaign\na1,benign,\na1,benign,\n")
    with pytest.raises(InputError, match="duplicate") as exc:
        read_truth(p)
    assert exc.value.details["problems"][0]["line"] == 3
    p.write_text("account_id,label,campaign\na1,benign,op-x\n")
    with pytest.raises(InputError, match="benign account cannot belong"):
        read_truth(p)
    p.write_text("")
    with pytest.raises(InputError, match="empty file"):
        read_truth(p)


def test_missing_accounts_in_pred_are_named(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    lines = (d / "accounts.csv").read_text().splitlines()
    (d / "accounts.csv").write_text("\n".join(lines[:-2]) + "\n")
    with pytest.raises(InputError) as exc:
        evaluate(d / "labels.csv", d)
    assert "2 labelled account(s) have no row" in exc.value.message
    assert exc.value.details["missing"] == ["b3", "b4"]
    assert exc.value.details["field"] == "account_id"


def test_every_bad_prediction_field_is_collected(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    (d / "accounts.csv").write_text(
        HEADER + "a1,1.5,block,,\na2,high,maybe,,\na3,0.2,allow,,\n")
    with pytest.raises(InputError) as exc:
        evaluate(d / "labels.csv", d / "accounts.csv")
    probs = exc.value.details["problems"]
    assert [(p["line"], p["field"]) for p in probs] == [(2, "risk"), (3, "risk"),
                                                        (3, "verdict")]
    assert str(d / "accounts.csv") in exc.value.message


def test_personas_must_agree_with_labels(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    (d / "personas.csv").write_text("account_id,persona,campaign,tactic\na1,casual,,\n")
    with pytest.raises(InputError, match="contradicts"):
        evaluate(d / "labels.csv", d, personas=d / "personas.csv")


def test_unlabelled_predictions_are_counted_not_fatal(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    with (d / "accounts.csv").open("a") as fh:
        fh.write("x9,0.5,review,,\n")
    r = evaluate(d / "labels.csv", d)
    assert r["counts"]["unlabelled_predictions"] == 1


@pytest.mark.parametrize(("suffix", "codec"), [(".gz", "gzip"), (".zst", "zstd"),
                                               ("", "gzip"), (".gz", "zstd")])
def test_replay_reads_compressed_logs(tmp_path: Path, suffix: str, codec: str) -> None:
    # compression is known by content, as ingest reads it: a misnamed file reads the same
    raw = (DATA / "replay.jsonl").read_bytes()
    p = tmp_path / ("replay.jsonl" + suffix)
    p.write_bytes(gzip.compress(raw) if codec == "gzip"
                  else zstandard.ZstdCompressor().compress(raw))
    truth = read_truth(DATA / "labels.csv")
    plain = replay_summary(DATA / "replay.jsonl", truth)
    packed = replay_summary(p, truth)
    assert packed["campaigns"] == plain["campaigns"]


def test_truncated_replay_keeps_what_was_read(tmp_path: Path) -> None:
    raw = gzip.compress((DATA / "replay.jsonl").read_bytes() * 50)
    p = tmp_path / "cut.jsonl.gz"
    p.write_bytes(raw[: len(raw) // 2])
    r = replay_summary(p, read_truth(DATA / "labels.csv"))
    assert r["exchanges"] > 0
    assert r["problems"][-1]["field"] == "<file>"


def test_cli_tables_json_and_out_file(tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    args = ["evaluate", "--labels", str(DATA / "labels.csv"), "--pred", str(DATA),
            "--personas", str(DATA / "personas.csv"), "--replay", str(DATA / "replay.jsonl")]
    res = CliRunner().invoke(cli, [*args, "--out", str(out)])
    assert res.exit_code == 0, res.output
    for title in ("Detection quality", "hard negatives", "Campaigns", "Replay"):
        assert title in res.output
    assert json.loads(out.read_text())["at_block"]["tp"] == 2
    res = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert json.loads(res.output)["pr_auc"] > 0.8
    res = CliRunner().invoke(cli, [*args, "--format", "csv"])
    assert res.output.startswith("metric,value")


def test_cli_error_shape(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["evaluate", "--labels", str(tmp_path / "none.csv"),
                                   "--pred", str(DATA)])
    assert res.exit_code == 1
    err = json.loads(res.output.strip().splitlines()[-1])["error"]
    assert err["code"] == "not_found" and "none.csv" in err["message"]


def test_spreadsheet_exports_with_bom_and_crlf_are_read(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    for name in ("labels.csv", "accounts.csv"):
        text = (d / name).read_text()
        (d / name).write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    assert evaluate(d / "labels.csv", d)["at_block"]["tp"] == 2
