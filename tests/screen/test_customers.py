"""Batch screening, the CLI verbs, compute flags and the HTTP hook."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from distillguard.cli.main import cli
from distillguard.screen.app import create_app
from distillguard.screen.compute import compute_report
from distillguard.screen.config import load_config
from distillguard.screen.customers import MATCHES_HEADER, JurisdictionPolicy, screen_customers
from distillguard.screen.jurisdiction import load_rules
from distillguard.screen.scoring import Screener
from distillguard.screen.service import Context
from distillguard.settings import Settings

GOLDEN = Path(__file__).parent / "golden"
CUSTOMERS = (
    "customer_id,name,country,address\n"
    "c1,SZ DJI Technology Company Limited,CN,Shenzhen\n"
    "c2,深圳市大疆创新科技有限公司,,\n"
    "c3,Northwind Traders,US,1 Main St\n"
    ",No Id At All,,\n"
    "c5,,,\n"
    "c6,Harbin Engineering University,CN,\n"
    "c7,too,few\n"
    "c8,商湯集團,HK,\n"
)


def test_matches_csv_matches_golden(small_screener: Screener, write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cust = write("customers.csv", CUSTOMERS)
    report = screen_customers(
        small_screener,
        cust,
        tmp_path / "out",
        workers=1,
        policy=JurisdictionPolicy(load_rules()),
        lists_as_of="2026-07-09",
    )
    text = (tmp_path / "out" / "matches.csv").read_text()
    assert text.splitlines()[0] == ",".join(MATCHES_HEADER)
    assert text == (GOLDEN / "matches.csv").read_text()
    rows = list(csv.DictReader(text.splitlines()))
    assert [r["customer_id"] for r in rows] == ["c1", "c2", "c3", "c5", "c6", "c8"]
    by = {r["customer_id"]: r for r in rows}
    # Jurisdiction is in the decision: a US customer is clear, a Chinese university
    # that is not the listed one is denied for the model API, an unknown country is
    # a review, and a listed party stays a match whatever its country.
    assert (by["c3"]["decision"], by["c3"]["list_decision"]) == ("clear", "clear")
    assert by["c6"]["list_decision"] != "match" and by["c6"]["decision"] == "deny"
    assert "model_api=deny" in by["c6"]["jurisdiction"]
    assert (
        by["c2"]["decision"] == "match"
        and "model_api=review (unknown-country)" in (by["c2"]["jurisdiction"])
    )
    assert "treated as CN" in by["c8"]["reasons"]
    assert {r["lists_as_of"] for r in rows} == {"2026-07-09"}
    assert report.customers == 6 and report.quarantined == 2
    q = list(csv.DictReader((tmp_path / "out" / "quarantine.csv").read_text().splitlines()))
    assert [(r["line"], r["reason"]) for r in q] == [
        ("5", "empty customer_id"),
        ("8", "expected 4 fields, got 3"),
    ]


def test_parallel_run_equals_serial(small_screener: Screener, write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cust = write("customers.csv", CUSTOMERS)
    screen_customers(small_screener, cust, tmp_path / "a", workers=1)
    screen_customers(small_screener, cust, tmp_path / "b", workers=2)
    assert (tmp_path / "a" / "matches.csv").read_text() == (
        tmp_path / "b" / "matches.csv"
    ).read_text()


def test_jsonl_and_bad_encoding_rows_are_kept(
    small_screener: Screener, write, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    lines = [
        json.dumps({"customer_id": "j1", "name": "Bank VTB", "country": "RU"}).encode(),
        # A word the listed name lacks ("Cafe ...") now lowers the score, so the
        # mis-encoded byte sits in the address.
        b'{"customer_id": "j2", "name": "Harbin Institute of Technology", "address": "Caf\xe9"}',
        b"[1,2]",
        b"{not json",
    ]
    cust = write("c.jsonl", b"\n".join(lines) + b"\n")
    report = screen_customers(small_screener, cust, tmp_path / "o", workers=1)
    rows = list(csv.DictReader((tmp_path / "o" / "matches.csv").read_text().splitlines()))
    assert [r["decision"] for r in rows] == ["match", "review"] or rows[1]["decision"] == "match"
    assert "Windows-1252" in rows[1]["reasons"]
    assert report.quarantined == 2


def test_missing_columns_is_a_clear_error(small_screener: Screener, write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from distillguard.schema.errors import InputError

    with pytest.raises(InputError, match="lacks column"):
        screen_customers(small_screener, write("c.csv", "id,company\n1,x\n"), tmp_path / "o")
    utf16 = write("u.csv", "customer_id,name,country,address\n1,x,,\n".encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16"):
        screen_customers(small_screener, utf16, tmp_path / "o")


def test_a_file_with_no_usable_customer_fails_loudly(  # type: ignore[no-untyped-def]
    small_screener: Screener, write, tmp_path: Path
) -> None:
    from distillguard.schema.errors import InputError

    with pytest.raises(InputError, match="no customer rows"):
        screen_customers(
            small_screener, write("e.csv", "customer_id,name,country,address\n"), tmp_path / "e"
        )
    with pytest.raises(InputError, match="2 rows quarantined"):
        screen_customers(
            small_screener,
            write("q.csv", "customer_id,name,country,address\nc7,too,few\nc8,x\n"),
            tmp_path / "q",
        )
    assert (tmp_path / "q" / "quarantine.csv").read_text().count("\n") == 3


def _settings(tmp_path: Path) -> dict[str, str]:
    return {"DISTILLGUARD_DATA_DIR": str(tmp_path / "var"), "DISTILLGUARD_SCREEN_LISTS_DIR": ""}


def test_cli_lists_update_show_customers_compute(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    env = _settings(tmp_path)
    write(
        "lists/sdn.csv",
        '306,"BANCO NACIONAL DE CUBA",-0- ,CUBA,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n',
    )
    write("lists/alt.csv", "306,220,aka,NATIONAL BANK OF CUBA,-0- \n")
    r = runner.invoke(
        cli,
        ["screen", "lists", "update", "--from", str(tmp_path / "lists"), "--format", "json"],
        env=env,
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["screen", "lists", "show", "--format", "json"], env=env)
    assert json.loads(r.output)[0]["entities"] == 1
    cust = write(
        "cust.csv",
        "customer_id,name,country,address\nk1,National Bank of Cuba,CU,\n"
        "k2,Front Co,SG,\nk3,Other,US,\n",
    )
    owners = write(
        "owners.csv",
        "customer_id,owner_id,owner_name,owner_country,share\n"
        "k2,o1,Banco Nacional de Cuba,CU,60%\n",
    )
    r = runner.invoke(
        cli,
        [
            "screen",
            "customers",
            "--customers",
            str(cust),
            "--out",
            str(tmp_path / "out"),
            "--owners",
            str(owners),
            "--as-of",
            "2026-11-27",
            "--workers",
            "1",
            "--format",
            "json",
        ],
        env=env,
    )
    assert r.exit_code == 0, r.output
    rows = {
        r["customer_id"]: r
        for r in csv.DictReader((tmp_path / "out" / "matches.csv").read_text().splitlines())
    }
    assert rows["k1"]["decision"] == "match"
    # OFAC's 50% rule: an SDN owning 60% blocks the company; the ownership-only
    # match names the listed owner's entity and list.
    assert rows["k2"]["decision"] == "match" and "blocked" in rows["k2"]["reasons"]
    assert (rows["k2"]["entity_id"], rows["k2"]["list"]) == ("ofac-306", "SDN")
    # Its declared owner is in Cuba: the parent's country reaches the jurisdiction rule.
    assert "embargoed" in rows["k2"]["jurisdiction"]
    assert rows["k3"]["decision"] == "clear"
    r = runner.invoke(
        cli,
        [
            "screen",
            "customers",
            "--customers",
            str(cust),
            "--out",
            str(tmp_path / "out2"),
            "--owners",
            str(owners),
            "--as-of",
            "2026-06-01",
            "--workers",
            "1",
        ],
        env=env,
    )
    rows = {
        r["customer_id"]: r
        for r in csv.DictReader((tmp_path / "out2" / "matches.csv").read_text().splitlines())
    }
    # The BIS affiliates rule's suspension does not suspend OFAC's 50% rule.
    assert rows["k2"]["decision"] == "match" and "suspended" not in rows["k2"]["reasons"]
    usage = write("usage.csv", "account,chip,count,hours\nk1,H100-SXM,20000,2000\nk3,A100,8,10\n")
    r = runner.invoke(
        cli,
        ["screen", "compute", "--usage", str(usage), "--customers", str(cust), "--format", "json"],
        env=env,
    )
    assert r.exit_code == 0, r.output
    flagged = json.loads(r.output)
    assert [f["account"] for f in flagged] == ["k1"]
    assert flagged[0]["screening"] == "match" and flagged[0]["level"] == "early_warning"
    r = runner.invoke(cli, ["screen", "lists", "update", "--from", str(tmp_path / "nope")], env=env)
    assert r.exit_code == 1 and json.loads(r.stderr)["error"]["code"] == "not_found"


def test_compute_thresholds_and_quarantine(write) -> None:  # type: ignore[no-untyped-def]
    usage = write(
        "u.csv",
        "account,chip,count,hours,country\n"
        "big,H100 SXM,100000,3000,CN\n"  # 1.07e26 ops at 40%
        "home,H100-SXM,100000,3000,US\n"
        "x,warp-drive,1,1,CN\n"
        ",A100,1,1,CN\n"
        "y,A100,many,1,CN\n",
    )
    rows, quarantine = compute_report(usage, load_config())
    by = {r["account"]: r for r in rows}
    assert by["big"]["level"] == "report" and by["big"]["flag"] is True
    assert abs(by["big"]["operations"] - 9.895e14 * 0.4 * 100000 * 3000 * 3600) / 1.0e26 < 0.01
    assert by["home"]["flag"] is False
    assert [q["line"] for q in quarantine] == [4, 5, 6]


def test_http_hook(small_screener: Screener) -> None:
    import asyncio

    ctx = Context(small_screener, load_config(), load_rules(), {"source_dir": "test"})
    app = create_app(ctx)

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            return [
                await c.post("/v1/screen", json={"name": "商汤集团", "country": "HK"}),
                await c.post(
                    "/v1/screen",
                    json={
                        "name": "Quiet Labs",
                        "hq_country": "SG",
                        "parent_country": "CN",
                        "product": "model_api",
                        "owners": [{"name": "SZ DJI Technology", "share": "55%"}],
                        "as_of": "2026-11-27",
                    },
                ),
                await c.post(
                    "/v1/screen",
                    json={
                        "name": "Quiet Labs",
                        "country": "SG",
                        "owners": [{"name": "SenseTime Group", "share": "55%", "country": "SG"}],
                        "as_of": "2026-11-27",
                    },
                ),
                await c.post("/v1/screen", content=b"{nope"),
                await c.post("/v1/screen", json={"country": "US"}),
                await c.get("/healthz"),
            ]

    hit, owned, cmic, bad, empty, health = asyncio.run(run())
    assert hit.status_code == 200 and hit.json()["decision"] == "match"
    assert hit.json()["entity_id"] == "e2" and hit.json()["features"]
    body = owned.json()
    assert body["decision"] == "match" and body["ownership"]["decision"] == "match"
    assert body["entity_id"] == "e1" and body["list"] == "EL"
    assert body["jurisdiction"][0]["decision"] == "deny"
    assert body["lists_as_of"] == "" and "warnings" in body
    # NS-CMIC carries no ownership rule: 55% owned by a CMIC company is not listed.
    c = cmic.json()
    assert c["decision"] == "clear" and c["ownership"]["decision"] == "clear"
    assert "carries no ownership rule" in c["ownership"]["reason"]
    # The hook's decision carries jurisdiction: a Chinese customer is not clear.
    assert hit.json()["jurisdiction"][0]["decision"] == "deny"
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_input"
    assert empty.status_code == 400
    assert health.json()["entities"] == len(small_screener.entities)


def test_settings_reach_the_store(tmp_path: Path) -> None:
    s = Settings.from_env({"DISTILLGUARD_SCREEN_LISTS_DIR": str(tmp_path / "lists")})
    from distillguard.screen.store import store_dir

    assert store_dir(s.screen_lists_dir, s.data_dir) == tmp_path / "lists"


@pytest.mark.parametrize(
    "name,chip",
    [
        ("H100", "H100-SXM"),
        ("NVIDIA H100 80GB HBM3", "H100-SXM"),
        ("h100-pcie", "H100-PCIE"),
        ("H100 PCIe 80GB", "H100-PCIE"),
        ("A100-SXM4-80GB", "A100"),
        ("AMD Instinct MI300X", "MI300X"),
        ("GeForce RTX 4090", "RTX-4090"),
        ("Ascend 910B", "ASCEND-910B"),
        ("TPU v5p", "TPU-V5P"),
    ],
)
def test_common_chip_names_are_known(name: str, chip: str) -> None:
    from distillguard.screen.compute import chip_key, chips

    assert chips()[chip_key(name)].chip == chip


def test_an_unknown_chip_lists_the_known_ones(write) -> None:  # type: ignore[no-untyped-def]
    usage = write("u.csv", "account,chip,count,hours,country\nx,H1000,1,1,CN\n")
    _, quarantine = compute_report(usage, load_config())
    assert "unknown chip 'H1000'" in quarantine[0]["reason"]
    assert "H100-SXM" in quarantine[0]["reason"] and "MI300X" in quarantine[0]["reason"]


def test_no_alias_names_two_chips() -> None:
    import csv as csv_
    from collections import Counter
    from importlib import resources

    from distillguard.screen.compute import chip_key

    text = resources.files("distillguard.screen").joinpath("data/chips.csv").read_text("utf-8")
    keys: Counter[str] = Counter()
    for r in csv_.DictReader(text.splitlines()):
        names = [r["chip"], *filter(None, r["aliases"].split(";"))]
        own = [chip_key(n) for n in names]
        assert len(own) == len(set(own)), f"{r['chip']}: an alias its own name already covers"
        keys.update(own)
    assert [k for k, n in keys.items() if n > 1] == []


def test_progress_is_a_callback(small_screener: Screener, write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    heard: list[int] = []
    report = screen_customers(
        small_screener,
        write("customers.csv", CUSTOMERS),
        tmp_path / "out",
        workers=1,
        progress=heard.append,
    )
    assert heard and heard[-1] == report.customers
