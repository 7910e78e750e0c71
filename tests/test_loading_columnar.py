"""The columnar CSV reader (``loading.blocks``) gives what the exact record-by-record reader gives.

Each planted file is read three ways: by Arrow in blocks (tiny blocks, so that block ends
fall everywhere), by the exact reader (``blocks.COLUMNAR = False`` and no plain-line lane),
and streamed in batches of two records. Kept rows, structural rejects (line, rule, reason,
raw text) and ``sources`` must be equal; the expected rejects are written out by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights.cleaning import clean_transactions
from insights.loading import LoadError, blocks, bytelines, iter_batches, load_transactions, text
from insights.params import Params

HEADER = "customer_id;order_date;amount;customer_name"
FALLBACK = "read line by line"


def _params(**source) -> Params:
    return Params.model_validate({"unit": "t", "source": {"paths": ["a.csv"], "delimiter": ";",
                                                          "decimal": ",", **source}})


def _rows(*lines: str, end: str = "\n") -> str:
    return end.join((HEADER, *lines)) + end


@dataclass(frozen=True)
class Planted:
    id: str
    data: bytes
    rejects: tuple = ()  # (line, rule, raw text) of each structural reject, by hand
    kept_lines: tuple = ()  # source_line of each kept row, by hand
    fallback: bool = False  # the exact reader must take over (a quoted line break)
    source: dict | None = None


PLANTED = [
    Planted("short row", _rows("001;01.02.2025;5;a", "002;01.02.2025", "003;01.02.2025;7;c").encode(),
            rejects=((3, "too_few_fields", "002;01.02.2025"),), kept_lines=(2, 4)),
    Planted("long row", _rows("001;01.02.2025;5;a", "002;01.02.2025;6;b;extra").encode(),
            rejects=((3, "too_many_fields", "002;01.02.2025;6;b;extra"),), kept_lines=(2,)),
    Planted("quoted delimiter", _rows('001;01.02.2025;5;"Рога; и копыта"', "002;01.02.2025;6;b").encode(),
            kept_lines=(2, 3)),
    Planted("quoted newline", _rows("001;01.02.2025;5;a", '002;01.02.2025;6;"two\nlines"',
                                    "003;01.02.2025;7;c").encode(),
            kept_lines=(2, 3, 5), fallback=True),
    Planted("blank lines", _rows("", "001;01.02.2025;5;a", "   ", ";;;", "002;01.02.2025;6;b", "").encode(),
            kept_lines=(3, 6)),
    Planted("byte-order mark", b"\xef\xbb\xbf" + _rows("001;01.02.2025;5;a", "002;01.02.2025;6;b").encode(),
            kept_lines=(2, 3)),
    Planted("CRLF", _rows("001;01.02.2025;5;a", "002;01.02.2025", "003;01.02.2025;7;c", end="\r\n").encode(),
            rejects=((3, "too_few_fields", "002;01.02.2025"),), kept_lines=(2, 4)),
    Planted("cp1251", _rows("001;01.02.2025;5;ООО Ромашка", "002;01.02.2025;6;ИП Петров",
                            "003;01.02.2025").encode("cp1251"),
            rejects=((4, "too_few_fields", "003;01.02.2025"),), kept_lines=(2, 3),
            source={"encoding": "cp1251"}),
    Planted("trailing garbage line", (_rows("001;01.02.2025;5;a", "002;01.02.2025;6;b") + "Итого 11").encode(),
            rejects=((4, "too_few_fields", "Итого 11"),), kept_lines=(2, 3)),
    Planted("stray quote", _rows('001;01.02.2025;5;"a"b', "002;01.02.2025;6;b").encode(),
            rejects=((2, "malformed_quotes", '001;01.02.2025;5;"a"b'),), kept_lines=(3,)),
    Planted("repeated header", _rows("001;01.02.2025;5;a", HEADER.upper(), "002;01.02.2025;6;b").encode(),
            rejects=((3, "repeated_header", HEADER.upper()),), kept_lines=(2, 4)),
    Planted("NUL byte", _rows("001;01.02.2025;5;a\x00b", "002;01.02.2025;6;b").encode(),
            rejects=((2, "nul_byte", "001;01.02.2025;5;a\\0b"),), kept_lines=(3,)),
]


def _read_three_ways(root, params, monkeypatch):
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 24)  # many blocks: every boundary is crossed
    fast = load_transactions(params, root=root)
    batches = list(iter_batches(params, root=root, batch_rows=2))
    monkeypatch.setattr(blocks, "COLUMNAR", False)
    monkeypatch.setattr(text, "PLAIN_BLOCK_LINES", 0)
    exact = load_transactions(params, root=root)
    monkeypatch.undo()
    return fast, batches, exact


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object).where(frame.notna(), None)


def _without_fallback_note(sources: list[dict]) -> list[dict]:
    return [s | {"notes": [n for n in s["notes"] if not n.startswith(FALLBACK)]} for s in sources]


@pytest.mark.parametrize("case", PLANTED, ids=[c.id for c in PLANTED])
def test_planted_file_reads_alike_columnar_exact_and_streamed(case, tmp_path, monkeypatch):
    (tmp_path / "a.csv").write_bytes(case.data)
    params = _params(**(case.source or {}))
    fast, batches, exact = _read_three_ways(tmp_path, params, monkeypatch)
    pd.testing.assert_frame_equal(fast.frame, exact.frame, check_exact=True)
    pd.testing.assert_frame_equal(fast.rejected, exact.rejected, check_exact=True)
    assert _without_fallback_note(fast.sources) == exact.sources
    streamed = pd.concat([b.frame for b in batches], ignore_index=True)
    pd.testing.assert_frame_equal(streamed, fast.frame, check_exact=True)
    rejected = pd.concat([b.rejected for b in batches], ignore_index=True)
    pd.testing.assert_frame_equal(_plain(rejected), _plain(fast.rejected))  # None vs NaN aside
    assert all(len(b.frame) + len(b.rejected) <= 2 for b in batches)
    assert [b.source for b in batches if b.source] == fast.sources
    # the answers written out above
    assert tuple(fast.frame["source_line"]) == case.kept_lines
    got = tuple(fast.rejected[["source_line", "rule", "raw_value"]].itertuples(index=False, name=None))
    assert got == case.rejects
    noted = any(n.startswith(FALLBACK) for n in fast.sources[0]["notes"])
    assert noted == case.fallback


def test_quoted_newline_hands_the_rest_to_the_exact_reader_from_its_line(tmp_path, monkeypatch):
    rows = [f"{i:03d};01.02.2025;{i};n" for i in range(1, 40)]
    rows[29] = '030;01.02.2025;30;"a\nb"'  # line 31 opens a value closed on line 32
    (tmp_path / "a.csv").write_bytes(_rows(*rows).encode())
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 64)
    result = load_transactions(_params(), root=tmp_path)
    assert len(result.frame) == 39 and result.rejected.empty
    assert result.frame["customer_name"].iloc[29] == "a\nb"
    assert result.frame["source_line"].iloc[30] == 33  # the line after the two-line record
    assert any(n.startswith("read line by line from line") for n in result.sources[0]["notes"])


def test_bad_amount_on_line_n_is_rejected_with_that_line_and_its_text(tmp_path, monkeypatch):
    rows = [f"{i:03d};01.02.2025;{i},50;n" for i in range(1, 200)]
    rows[150] = "151;01.02.2025;12x,00;n"  # physical line 152 (the header is line 1)
    (tmp_path / "a.csv").write_bytes(_rows(*rows).encode())
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 256)
    params = _params()
    loaded = load_transactions(params, root=tmp_path)
    assert not any(FALLBACK in n for n in loaded.sources[0]["notes"])
    cleaned = clean_transactions(loaded.frame, source=params.source)
    bad = cleaned.rejected
    assert bad[["source_line", "rule", "raw_value"]].values.tolist() == [[152, "bad_amount", "12x,00"]]
    assert len(cleaned.kept) + len(bad) == 199
    assert cleaned.kept["amount"].sum() == pytest.approx(sum(i + 0.5 for i in range(1, 200) if i != 151))


def test_blocks_were_read_by_arrow_not_by_the_exact_reader(tmp_path, monkeypatch):
    rows = [f'"{i:05d}";"01.02.2025";"{i},00";"Name, {i}"' for i in range(500)]
    (tmp_path / "a.csv").write_bytes(_rows(*rows).encode())
    calls = []
    original = text._read_records
    monkeypatch.setattr(text, "_read_records", lambda *a, **k: calls.append(1) or original(*a, **k))
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 4096)
    result = load_transactions(_params(), root=tmp_path)
    assert len(result.frame) == 500 and result.frame["customer_name"].iloc[7] == "Name, 7"
    assert calls == []  # quoted values with a delimiter inside still took the Arrow lane


#: Pieces of lines: fields that are fine, quoted, empty, blank, broken or odd.
FIELDS = st.sampled_from(["001", "01.02.2025", "5", "7,5", "", " ", '"q"', '"a;b"', '"x', 'y"z',
                          "Ромашка", "\x00", "12x"])


@st.composite
def csv_lines(draw):
    lines = []
    for _ in range(draw(st.integers(0, 12))):
        fields = draw(st.lists(FIELDS, min_size=0, max_size=6))
        lines.append(";".join(fields))
    return lines


def _load(root):
    try:
        return load_transactions(_params(), root=root), None
    except LoadError as error:
        return None, str(error)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=csv_lines(), crlf=st.booleans(), block=st.sampled_from([16, 64, 1 << 20]))
def test_rows_in_equal_kept_plus_rejected_on_the_fast_path(tmp_path_factory, lines, crlf, block):
    root = tmp_path_factory.mktemp("p")
    (root / "a.csv").write_bytes(_rows(*lines, end="\r\n" if crlf else "\n").encode())
    saved = blocks.BLOCK_BYTES
    blocks.BLOCK_BYTES = block
    try:
        fast, fast_error = _load(root)
        blocks.COLUMNAR = False
        exact, exact_error = _load(root)
    finally:
        blocks.BLOCK_BYTES, blocks.COLUMNAR = saved, True
    assert fast_error == exact_error  # e.g. a file full of NUL bytes is refused by both
    if fast is None or exact is None:
        return
    source = fast.sources[0]
    assert source["rows_read"] == len(fast.frame) + len(fast.rejected)
    assert source["data_lines"] + source["blank_lines"] + source["header_line"] >= source["rows_read"]
    pd.testing.assert_frame_equal(fast.frame, exact.frame, check_exact=True)
    pd.testing.assert_frame_equal(fast.rejected, exact.rejected, check_exact=True)
    assert _without_fallback_note(fast.sources) == exact.sources


@pytest.mark.parametrize("header", ["customer_id", "клиент", "код клиента", "ınn", "straße", "σίσυφοσ", ""])
def test_the_letters_pattern_equals_its_definition_code_point_by_code_point(header):
    letters = set(header)
    codes = [c for c in range(0x110000) if not 0xD800 <= c < 0xE000
             and (chr(c).isspace() or set(chr(c).casefold()) <= letters)]
    pattern = bytelines.only_letters(header)
    named = set()
    for low, high in re.findall(r"\\x\{([0-9a-f]+)\}(?:-\\x\{([0-9a-f]+)\})?", pattern):
        named.update(range(int(low, 16), int(high or low, 16) + 1))
    assert named == set(codes)
