from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from distillguard.schema.errors import InputError, NotFoundError
from distillguard.screen.csl import parse_csl_csv, parse_csl_json
from distillguard.screen.ftm import parse_ftm
from distillguard.screen.ofac import parse_ofac
from distillguard.screen.store import load_entities, parse_directory, shipped_dir, update_store

SDN = (
    '306,"BANCO NACIONAL DE CUBA",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
    "\"a.k.a. 'BNC'; Tax ID No. 7707083893 (Russia).\"\n"
    "307,,-0- ,CUBA,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n"
    "abc,BAD NUMBER,-0- ,CUBA,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n"
    "308,SHORT ROW,-0-\n"
    '309,"CAF\xc9 LIMITADA",-0- ,CUBA,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n'
)
ALT = "306,220,aka,NATIONAL BANK OF CUBA,-0- \n999,1,aka,ORPHAN,-0- \n"
ADD = '306,199,"Zweierstrasse 35","Zurich CH-8022","Switzerland",-0- \n306,200,a,b,c,d,e,f\n'


def test_ofac_trio_parses_and_quarantines(write) -> None:  # type: ignore[no-untyped-def]
    sdn = write("sdn.csv", SDN.encode("cp1252"))
    write("alt.csv", ALT)
    write("add.csv", ADD)
    res = parse_ofac(sdn, "SDN")
    by_id = {e.entity_id: e for e in res.entities}
    bnc = by_id["ofac-306"]
    assert bnc.aliases == ("NATIONAL BANK OF CUBA", "BNC")
    assert bnc.countries == ("CH",)
    assert bnc.identifiers[0].value == "7707083893"
    assert bnc.programs == ("CUBA",)
    # Windows-1252 bytes are decoded, not lost.
    assert by_id["ofac-309"].name == "CAFÉ LIMITADA"
    reasons = sorted(q.reason for q in res.quarantined)
    assert len(res.quarantined) == 5, reasons
    assert any("empty name" in r for r in reasons)
    assert any("not a number" in r for r in reasons)
    assert any("expected 12 fields" in r for r in reasons)
    assert all(q.line > 0 and q.source for q in res.quarantined)


CSL_2019 = (
    "source,entity_number,type,programs,name,title,addresses,federal_register_notice,start_date,"
    "end_date,standard_order,license_requirement,license_policy,call_sign,vessel_type,gross_tonnage,"
    "gross_registered_tonnage,vessel_flag,vessel_owner,remarks,source_list_url,alt_names,citizenships,"
    "dates_of_birth,nationalities,places_of_birth,source_information_url,ids\n"
    "Entity List (EL) - Bureau of Industry and Security,,,,32 Group China Ltd.,,"
    '"Room 1905, Wing Lok Street, Hong Kong, HK",80 FR 69852,2015-11-12,,,,,,,,,,,,,'
    '"32 Group; G32",,,,,,'
    '"US, 80-0890696, Tax ID No."\n'
    "Entity List (EL) - Bureau of Industry and Security,,,,,,,,,,,,,,,,,,,,,,,,,,,\n"
    "short,row\n"
)


def test_csl_csv_2019_schema(write) -> None:  # type: ignore[no-untyped-def]
    res = parse_csl_csv(write("csl.csv", CSL_2019))
    assert len(res.entities) == 1
    e = res.entities[0]
    assert (e.list, e.name, e.aliases, e.countries) == (
        "EL",
        "32 Group China Ltd.",
        ("32 Group", "G32"),
        ("HK",),
    )
    assert e.identifiers[0].value == "80-0890696"
    assert e.effective_date == "2015-11-12"
    assert sorted(q.line for q in res.quarantined) == [3, 4]


def test_a_list_file_is_read_by_content_not_by_name(write) -> None:  # type: ignore[no-untyped-def]
    # An export renamed on the way: gzip and zstd data under a plain .csv name.
    import zstandard

    plain = parse_csl_csv(write("csl.csv", CSL_2019))
    for name, data in (
        ("g.csv", gzip.compress(CSL_2019.encode())),
        ("z.csv", zstandard.ZstdCompressor().compress(CSL_2019.encode())),
    ):
        got = parse_csl_csv(write(name, data))
        assert [e.name for e in got.entities] == [e.name for e in plain.entities]


def test_csl_json(write) -> None:  # type: ignore[no-untyped-def]
    doc = {
        "results": [
            {
                "source": "Entity List (EL) - Bureau of Industry and Security",
                "name": "Huawei Technologies Co., Ltd.",
                "alt_names": ["华为技术有限公司"],
                "addresses": [{"address": "Bantian", "city": "Shenzhen", "country": "CN"}],
                "ids": [{"type": "USCC", "number": "914403001922038216", "country": "CN"}],
                "programs": ["EAR"],
                "start_date": "2019-05-16",
                "id": "h1",
            },
            {"source": "Entity List (EL)", "name": ""},
            "not an object",
        ]
    }
    res = parse_csl_json(write("consolidated.json", json.dumps(doc)))
    assert [e.entity_id for e in res.entities] == ["csl-el-h1"]
    assert res.entities[0].countries == ("CN",)
    assert res.entities[0].aliases == ("华为技术有限公司",)
    assert len(res.quarantined) == 2
    bad = parse_csl_json(write("csl_bad.json", '{"results": [1,'))
    assert bad.quarantined and "invalid JSON" in bad.quarantined[0].reason


def test_ftm_jsonl(write) -> None:  # type: ignore[no-untyped-def]
    lines = [
        {
            "id": "NK-1",
            "schema": "Company",
            "properties": {
                "name": ["Sinobright Import and Export Company"],
                "alias": ["Sinobright"],
                "country": ["cn"],
                "registrationNumber": ["12345"],
            },
            "datasets": ["us_ofac_sdn"],
            "first_seen": "2023-07-19T00:00:00",
        },
        {"id": "addr-1", "schema": "Address", "properties": {"full": ["x"]}},
        {"id": "NK-2", "schema": "Person", "properties": {}},
    ]
    text = "\n".join(json.dumps(x) for x in lines) + "\n{broken\n"
    res, skipped = parse_ftm(write("entities.ftm.json", text))
    assert skipped == 1
    e = res.entities[0]
    assert (e.list, e.countries, e.identifiers[0].value, e.effective_date) == (
        "us_ofac_sdn",
        ("CN",),
        "12345",
        "2023-07-19",
    )
    assert sorted(q.line for q in res.quarantined) == [3, 4]


def test_binary_and_missing_inputs_are_clear_errors(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write("d/sdn.csv", "a,b".encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16"):
        parse_directory(tmp_path / "d")
    with pytest.raises(NotFoundError):
        parse_directory(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no recognised list files"):
        parse_directory(tmp_path / "empty")


def test_shipped_samples_load_without_shared_data() -> None:
    res, report = parse_directory(shipped_dir())
    lists = {e.list for e in res.entities}
    assert {"SDN", "NONSDN", "EL"} <= lists
    assert len(res.entities) > 9000
    assert {f["format"] for f in report.files} == {"ofac-sdn", "ofac-consolidated", "csl-csv"}


def test_update_store_round_trip(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write("src/sdn.csv.gz", gzip.compress(SDN.encode("cp1252")))
    write("src/alt.csv.gz", gzip.compress(ALT.encode()))
    manifest = update_store(tmp_path / "src", tmp_path / "store")
    assert manifest["entities"] == 2 and manifest["quarantined"] == 4
    entities, m2 = load_entities(tmp_path / "store")
    assert {e.entity_id for e in entities} == {"ofac-306", "ofac-309"}
    assert m2["by_list"] == {"SDN": 2}
    assert len((tmp_path / "store" / "quarantine.jsonl").read_text().splitlines()) == 4
