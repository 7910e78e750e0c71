"""The fast lanes of the CSV reader give exactly what csv.reader gives record by record.

``loading.blocks`` reads blocks of bytes with Arrow and sends only the lines that need care
to the exact reader; ``loading.text.plain_rows`` splits blocks of lines that need no CSV
parsing. Every CSV file of the hostile battery and every demo export is read with both
lanes and with both switched off (``blocks.COLUMNAR = False``, ``PLAIN_BLOCK_LINES = 0``):
the frames, the structural rejects and the sources must be identical.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_hostile_inputs import CASES, Fails

from insights.loading import LoadError, blocks, bytelines, load_transactions, text
from insights.params import load_params, parse_params

from conftest import write_demo_exports

ROOT = Path(__file__).resolve().parents[1]
CSV_CASES = [c for c in CASES if not callable(c.data) and not c.data.startswith((b"PK", b"PAR1"))]


def _both(params, root: Path, monkeypatch):
    fast = load_transactions(params, root=root)
    monkeypatch.setattr(text, "PLAIN_BLOCK_LINES", 0)
    monkeypatch.setattr(blocks, "COLUMNAR", False)
    careful = load_transactions(params, root=root)
    monkeypatch.undo()
    return fast, careful


def _assert_same(fast, careful) -> None:
    pd.testing.assert_frame_equal(fast.frame, careful.frame, check_exact=True)
    pd.testing.assert_frame_equal(fast.rejected, careful.rejected, check_exact=True)
    # the one difference allowed: a note that the exact reader took over from some line on
    assert [s | {"notes": [n for n in s["notes"] if not n.startswith("read line by line")]}
            for s in fast.sources] == careful.sources


@pytest.mark.parametrize("case", CSV_CASES, ids=[c.id for c in CSV_CASES])
def test_hostile_csv_reads_the_same_with_and_without_the_fast_lane(case, tmp_path, monkeypatch):
    (tmp_path / case.name).write_bytes(case.data)
    params = parse_params({"unit": "hostile", "source": {"paths": [case.name], **(case.source or {})},
                           "column_map": case.column_map or {}}, origin="test")
    if any(isinstance(e, Fails) for e in case.expect):
        with pytest.raises(LoadError):
            load_transactions(params, root=tmp_path)
        return
    _assert_same(*_both(params, tmp_path, monkeypatch))


def test_demo_exports_read_the_same_and_through_the_fast_lane(tmp_path, monkeypatch):
    write_demo_exports(tmp_path / "data" / "demo")
    calls = []
    original = bytelines.arrow_rows
    monkeypatch.setattr(bytelines, "arrow_rows", lambda *a: calls.append(r := original(*a)) or r)
    for unit in ("fleet", "corporate", "retail", "service"):
        params = load_params(ROOT / "params" / f"{unit}.yaml")
        fast, careful = _both(params, tmp_path, monkeypatch)
        _assert_same(fast, careful)
        assert not any("line by line" in n for s in fast.sources for n in s["notes"])
        monkeypatch.setattr(bytelines, "arrow_rows", lambda *a: calls.append(r := original(*a)) or r)
    assert calls  # the demo exports went through Arrow, without falling back


def test_plain_rows_parses_whole_line_records_and_refuses_the_rest():
    header = ["a", "b"]
    lines = ['1;2\n', '"3";"x;y"\r\n', '"say ""hi""";6']
    assert text.plain_rows(lines, ";", header) == [["1", "2"], ["3", "x;y"], ['say "hi"', "6"]]
    for odd in ('"1;2\n', '"x"y;2\n', "1;2;3\n", "1\n", " ; \n", '"";""\n', "\n", "A ;b\n"):
        assert text.plain_rows(["1;2\n", odd, "3;4\n"], ";", header) is None, odd
