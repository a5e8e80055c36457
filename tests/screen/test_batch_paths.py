"""The batch shortcuts give the same answers as the plain path: chunked reading
equals one pass of the csv reader over the file, and the clear-row score equals
the score of the fully explained decision, to the last bit."""

from __future__ import annotations

import csv
import io
import random
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from distillguard.screen.customer_file import parse_chunk, raw_chunks
from distillguard.screen.customers import screen_customers
from distillguard.screen.scoring import Query, Screener

field = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"),
    max_size=10,
)
record = st.one_of(
    st.lists(field, min_size=4, max_size=4),
    st.lists(field, min_size=0, max_size=6),
)
# A raw line that is not UTF-8 (read as Windows-1252), or a stray quote in an
# unquoted field (literal for the csv reader, but it unbalances naive quote counts).
odd_line = st.sampled_from([b"c9,Caf\xe9 \xff Ltd,FR,\n", b'c8,The "Best,US,\n', b"\n", b",,,\n"])


def _reference(data: bytes) -> tuple[list[tuple[object, ...]], list[tuple[int, str]]]:
    """Rows and quarantine by the obvious method: one csv reader over all lines."""
    lines, notes = [], {}
    for n, raw in enumerate(io.BytesIO(data), start=1):
        try:
            lines.append(raw.decode("utf-8-sig" if n == 1 else "utf-8"))
        except UnicodeDecodeError:
            notes[n] = "line is not UTF-8; read as Windows-1252"
            lines.append(raw.decode("cp1252", errors="replace"))
    reader = csv.reader(lines)
    header = [h.strip().lower() for h in next(reader)]
    rows: list[tuple[object, ...]] = []
    quarantine: list[tuple[int, str]] = []
    for fields in reader:
        n = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            quarantine.append((n, f"expected {len(header)} fields, got {len(fields)}"))
            continue
        rec = dict(zip(header, fields, strict=True))
        if not rec["customer_id"].strip():
            quarantine.append((n, "empty customer_id"))
            continue
        rows.append(
            (
                n,
                rec["customer_id"].strip(),
                rec["name"].strip(),
                rec["country"].strip(),
                rec["address"].strip(),
                notes.get(n, ""),
            )
        )
    return rows, quarantine


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(record.map(lambda r: ("csv", r)), odd_line.map(lambda b: ("raw", b)))),
    st.integers(min_value=1, max_value=5),
)
def test_chunked_reading_equals_one_pass(items: list[tuple[str, object]], size: int) -> None:
    out = io.BytesIO()
    out.write(b"customer_id,name,country,address\n")
    for kind, value in items:
        if kind == "raw":
            assert isinstance(value, bytes)
            out.write(value)
        else:
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerow(value)
            out.write(buf.getvalue().encode())
    data = out.getvalue()
    want_rows, want_q = _reference(data)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.csv"
        path.write_bytes(data)
        quarantine: list[dict[str, object]] = []
        got = [r for c in raw_chunks(path, size) for r in parse_chunk(c, quarantine)]
    assert [(r.line, r.customer_id, r.name, r.country, r.address, r.note) for r in got] == (
        want_rows
    )
    assert [(q["line"], q["reason"]) for q in quarantine] == want_q


def _queries(screener: Screener, n: int, seed: int) -> list[Query]:
    rng = random.Random(seed)
    ents = screener.entities
    out = []
    for _ in range(n):
        e = rng.choice(ents)
        name = rng.choice(e.names)
        words = name.split()
        r = rng.random()
        if r < 0.25 and len(words) > 1:
            words.pop(rng.randrange(len(words)))
        elif r < 0.5:
            w = rng.randrange(len(words))
            if len(words[w]) > 3:
                k = rng.randrange(1, len(words[w]) - 1)
                words[w] = words[w][:k] + words[w][k + 1 :]
        elif r < 0.6:
            words.append(rng.choice(["Trading", "Holdings", "Ltd", "Pacific", "7"]))
        elif r < 0.7:
            words = [rng.choice(["Nimbus", "Cobalt", "Acme"]), *words[-1:]]
        country = rng.choice(["", "CN", "HK", "US", "RU", "IR", *e.countries])
        address = rng.choice(["", "", *e.addresses, "1 Main St, Beijing, China"])
        out.append(Query(" ".join(words), country, address))
    return out


def test_clear_score_is_the_explained_score(shipped_screener: Screener) -> None:
    decisions: dict[str, int] = {}
    nonzero_clear = 0
    for q in _queries(shipped_screener, 600, seed=5):
        d = shipped_screener.screen(q)
        got = shipped_screener.clear_score(q)
        decisions[d.decision] = decisions.get(d.decision, 0) + 1
        if d.decision == "clear":
            want = d.best.score if d.best is not None else 0.0
            assert got == want, q
            nonzero_clear += want != 0.0
        else:
            assert got is None, q
    # The set exercises every outcome, and clear rows that carry a real score.
    assert set(decisions) == {"clear", "review", "match"}
    assert nonzero_clear > 20


def test_batch_equals_explained_batch(shipped_screener: Screener, write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["customer_id", "name", "country", "address"])
    for i, q in enumerate(_queries(shipped_screener, 300, seed=9)):
        w.writerow([f"c{i}", q.name, q.country, q.address])
    cust = write("c.csv", buf.getvalue())
    screen_customers(shipped_screener, cust, tmp_path / "fast", workers=1)
    screen_customers(shipped_screener, cust, tmp_path / "full", workers=1, explain_all=True)
    fast = (tmp_path / "fast" / "matches.csv").read_text()
    assert fast == (tmp_path / "full" / "matches.csv").read_text()
    assert len(fast.splitlines()) == 301


def test_jsonl_chunks_keep_lines_notes_and_quarantine(tmp_path: Path) -> None:
    lines = [
        b'{"customer_id": "j1", "name": "A"}',
        b"",
        b'{"customer_id": "j2", "name": "Caf\xe9"}',
        b"{not json",
        b'{"customer_id": "", "name": "no id"}',
        b'{"customer_id": "j3", "name": "C", "identifiers": ["X1", "Y2"]}',
    ]
    path = tmp_path / "c.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    for size in (1, 2, 4, 100):
        quarantine: list[dict[str, object]] = []
        got = [r for c in raw_chunks(path, size) for r in parse_chunk(c, quarantine)]
        assert [(r.line, r.customer_id, r.identifiers) for r in got] == [
            (1, "j1", ()),
            (3, "j2", ()),
            (6, "j3", ("X1", "Y2")),
        ], size
        assert got[1].note == "line is not UTF-8; read as Windows-1252" and got[1].name == "Café"
        assert [(q["line"], str(q["reason"])[:12]) for q in quarantine] == [
            (4, "invalid JSON"),
            (5, "empty custom"),
        ], size
