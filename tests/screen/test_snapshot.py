"""The embedded default (the shipped snapshot of the current lists), the US
list JSON parser, as-of dates, Chinese names with provenance, and downloads."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from distillguard.cli.main import cli
from distillguard.schema.errors import InputError
from distillguard.screen.cn_names import enrich_cn_names
from distillguard.screen.config import load_config
from distillguard.screen.download import download
from distillguard.screen.model import Entity
from distillguard.screen.nsfreg import parse_nsfreg
from distillguard.screen.scoring import Query, Screener
from distillguard.screen.store import load_entities, staleness, update_store

EL_DOC = {
    "list_id": "bis-entity-list",
    "extracted": "2026-07-09",
    "entities": [
        {
            "name": "Cambricon Technologies Corporation Limited",
            "aliases": ["Cambricon", "Zhongke Cambricon Technology"],
            "country": "China",
            "address": "Haidian District, Beijing, China",
            "effective_date": "2022-12-19",
            "federal_register": "87 FR 77508",
            "notes": None,
        },
        {"name": "", "aliases": []},
        "not an object",
        {
            "name": "China Aviation Engine Group Co., Ltd",
            "aliases": ["AECC"],
            "country": "China",
            "notes": "USCC: 91110000MA005UCQ5P (China); Program: CMIC-EO13959",
        },
    ],
}
CN_NAMES = (
    "list_name,country,zh_name,zh_short,source,source_url_or_path,licence,list,matched_on,"
    "confidence\n"
    "Cambricon Technologies Corporation Limited,China,中科寒武纪科技股份有限公司,寒武纪,"
    "a-share,repo@1 stock_basic.csv (row 688256.SH),MIT,BIS Entity List,"
    "Cambricon Technologies Corporation Limited,primary-name-match\n"
    "Nobody Listed Ltd,China,无名有限公司,,a-share,x,MIT,BIS Entity List,Nobody,"
    "primary-name-match\n"
)


def test_us_list_json_parses_dates_ids_and_quarantine(write) -> None:  # type: ignore[no-untyped-def]
    path = write("lists/bis_entity_list.json", json.dumps(EL_DOC))
    res = parse_nsfreg(path)
    assert [e.name for e in res.entities] == [
        "Cambricon Technologies Corporation Limited",
        "China Aviation Engine Group Co., Ltd",
    ]
    cam, aecc = res.entities
    assert cam.list == "EL" and cam.as_of == "2026-07-09" and cam.countries == ("CN",)
    assert cam.effective_date == "2022-12-19" and cam.entity_id.startswith("us-el-")
    assert [(i.kind, i.value) for i in aecc.identifiers] == [("USCC", "91110000MA005UCQ5P")]
    assert [(q.line, q.reason) for q in res.quarantined] == [
        (2, "entities[1].name is empty"),
        (3, "entities[2] is not an object"),
    ]
    # Ids do not depend on the entry's position: a new edition keeps them.
    again = parse_nsfreg(path, {**EL_DOC, "entities": list(reversed(EL_DOC["entities"]))})
    assert {e.entity_id for e in again.entities} == {e.entity_id for e in res.entities}


def test_cn_names_add_sourced_aliases_with_provenance(write) -> None:  # type: ignore[no-untyped-def]
    res = parse_nsfreg(write("el.json", json.dumps(EL_DOC)))
    table = write("cn/candidates.csv", CN_NAMES)
    entities, rep = enrich_cn_names(res.entities, table.parent)
    cam = entities[0]
    assert cam.aliases[-2:] == ("中科寒武纪科技股份有限公司", "寒武纪")
    assert rep.names_added == 2 and len(rep.unmatched) == 1
    assert "no listed entity" in rep.unmatched[0].reason and rep.unmatched[0].line == 3
    prov = dict(cam.name_sources)
    assert "688256.SH" in prov["寒武纪"] and "candidates.csv:2" in prov["寒武纪"]
    s = Screener(entities, load_config())
    for query in (
        "寒武纪",
        "中科寒武紀科技股份有限公司",
        "中科寒武纪科技",
    ):  # short, traditional, no form
        d = s.screen(Query(query, "CN"))
        assert d.decision == "match" and d.best is not None, query
        assert d.best.entity.entity_id == cam.entity_id
    d = s.screen(Query("寒武纪", "CN"))
    assert any(f.name == "name_source" and "688256.SH" in f.detail for f in d.best.features)  # type: ignore[union-attr]


def test_store_records_as_of_and_warns_when_stale(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write("us/bis_entity_list.json", json.dumps(EL_DOC))
    write("us/lists.json", json.dumps({"generated": "2026-07-09", "lists": []}))
    write(
        "ofac/sdn.csv",
        '306,"BANCO NACIONAL DE CUBA",-0- ,CUBA,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n',
    )
    table = write("cn/candidates.csv", CN_NAMES)
    m = update_store(
        [tmp_path / "us", f"{tmp_path / 'ofac'}@2024-05-03"], tmp_path / "store", cn_names=table
    )
    assert m["as_of"] == {"EL": "2026-07-09", "SDN": "2024-05-03"}
    assert m["lists_as_of"] == "2024-05-03" and m["enrichment"]["names_added"] == 2
    entities, manifest = load_entities(tmp_path / "store")
    assert len(entities) == 3 and manifest["by_list"] == {"EL": 2, "SDN": 1}
    warn = staleness(manifest, dt.date(2026, 7, 20))
    assert warn == ["list SDN is as of 2024-05-03, 808 days old: run `screen lists update`"]
    assert staleness(manifest, dt.date(2024, 5, 10)) == []


def test_default_is_the_shipped_snapshot_of_current_lists(tmp_path: Path) -> None:
    entities, manifest = load_entities(tmp_path / "empty")
    assert manifest["store"] == "(shipped snapshot)"
    by_list: dict[str, int] = {}
    for e in entities:
        by_list[e.list] = by_list.get(e.list, 0) + 1
    assert by_list["EL"] == 3409 and by_list["SDN"] >= 14000 and by_list["1260H"] == 80
    assert {"MEU", "DPL", "CMIC", "NONSDN"} <= set(by_list)
    assert manifest["as_of"]["EL"] == "2026-07-09"
    han = [e for e in entities if any("\u4e00" <= ch <= "\u9fff" for n in e.names for ch in n)]
    assert len(han) > 200
    assert all(dict(e.name_sources) for e in han if e.list == "EL")


def test_lists_show_carries_as_of_and_warning(tmp_path: Path) -> None:
    env = {
        "DISTILLGUARD_DATA_DIR": str(tmp_path / "var"),
        "DISTILLGUARD_SCREEN_LISTS_DIR": str(tmp_path / "none"),
    }
    r = CliRunner().invoke(cli, ["screen", "lists", "show", "--format", "json"], env=env)
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    el = next(x for x in rows if x["list"] == "EL")
    assert el["as_of"] == "2026-07-09" and el["entities"] == 3409
    assert el["with_chinese_name"] > 50
    assert "warning: lists 1260H, 1286, CMIC" in r.stderr and ", EL, " in r.stderr
    assert "are as of 2026-07-09" in r.stderr


class _Files(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def loopback(tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "www"
    root.mkdir()
    (root / "consolidated.json").write_text(
        json.dumps(
            {
                "results": [
                    {
                        "_id": "abc",
                        "source": "Entity List (EL) - Bureau of Industry and Security",
                        "name": "Loopback Semiconductor Co., Ltd.",
                        "alt_names": ["Loopback Semi"],
                        "addresses": [{"address": "1 Road", "city": "Wuxi", "country": "CN"}],
                        "ids": [],
                    }
                ]
            }
        )
    )
    handler = functools.partial(_Files, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_download_fetches_official_files_by_url(loopback: str, write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cfg = write(
        "screen.yaml",
        f"lists:\n  download:\n    consolidated.json: {loopback}/consolidated.json\n",
    )
    env = {
        "DISTILLGUARD_DATA_DIR": str(tmp_path / "var"),
        "DISTILLGUARD_SCREEN_LISTS_DIR": str(tmp_path / "store"),
        "DISTILLGUARD_SCREEN_CONFIG": str(cfg),
    }
    r = CliRunner().invoke(cli, ["screen", "lists", "update", "--download"], env=env)
    assert r.exit_code == 0, r.output
    entities, manifest = load_entities(tmp_path / "store")
    assert [e.name for e in entities] == ["Loopback Semiconductor Co., Ltd."]
    assert manifest["lists_as_of"] == dt.datetime.now(dt.UTC).date().isoformat()
    with pytest.raises(InputError, match="HTTP 404"):
        download({"sdn.csv": f"{loopback}/missing.csv"}, tmp_path / "dl")
    bad = write("bad.yaml", "lists:\n  download:\n    sdn.csv: ftp://x\n")
    from distillguard.schema.errors import ConfigError

    with pytest.raises(ConfigError, match="bad.yaml:3: lists.download.sdn.csv"):
        load_config(str(bad))


def test_snapshot_entities_round_trip() -> None:
    e = Entity("x", "EL", "A", as_of="2026-07-09", name_sources=(("甲", "src"),))
    assert Entity.from_dict(e.to_dict()) == e
