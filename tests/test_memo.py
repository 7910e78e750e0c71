"""A unit's cleaned rows are kept between runs, and only ever reused for the same answer.

``pipeline.load_unit`` stores what loading and cleaning gave under ``data/cache/load`` and
serves it to the next run of the same files, params and code. Checked on the demo fleet
export (45,583 rows, five planted rejects): the second load equals the first exactly,
without reading the export again; any change to the bytes, the params or the code reads it
again; an entry that cannot be trusted is never served.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from insights import loading, pipeline
from insights.ingest import memo
from insights.params import load_params

from conftest import copy_project


@pytest.fixture
def project(tmp_path) -> Path:
    return copy_project(tmp_path / "project")


def _entries(project: Path) -> list[Path]:
    return sorted((project / pipeline.MEMO_CACHE / "fleet").iterdir())


def _no_reading(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the export was read again")

    monkeypatch.setattr(loading, "load_transactions", refuse)


def _assert_same(a: pipeline.UnitData, b: pipeline.UnitData) -> None:
    for left, right in ((a.transactions, b.transactions), (a.rejected, b.rejected)):
        pd.testing.assert_frame_equal(left, right, check_exact=True)
        assert list(left.dtypes) == list(right.dtypes)
    assert a.quality == b.quality and a.sources == b.sources


def test_a_second_load_of_the_same_export_is_the_first_one_without_reading(project, monkeypatch):
    params = load_params(project / "params" / "fleet.yaml")
    first = pipeline.load_unit(params, root=project)
    assert first.quality["rows_rejected"] == 5 and len(first.transactions) == 45_578
    assert len(_entries(project)) == 1
    _no_reading(monkeypatch)
    again = pipeline.load_unit(params, root=project)
    _assert_same(again, first)
    assert again.rejected["raw_value"].map(type).eq(first.rejected["raw_value"].map(type)).all()


def test_changed_bytes_params_or_code_read_the_export_again(project, monkeypatch):
    params = load_params(project / "params" / "fleet.yaml")
    pipeline.load_unit(params, root=project)
    key = memo.memo_key(params, root=project)
    export = project / "data" / "demo" / "fleet.csv"
    export.write_bytes(export.read_bytes().replace(b"\r\n", b"\n", 1))  # one byte fewer
    assert memo.memo_key(params, root=project) != key
    later = params.model_copy(update={"source": params.source.model_copy(update={"export_date": date(2026, 12, 31)})})
    assert memo.memo_key(later, root=project) not in (key, memo.memo_key(params, root=project))
    monkeypatch.setattr(memo, "code_digest", lambda: "another version of cleaning")
    assert memo.memo_key(params, root=project) != key
    monkeypatch.undo()
    fresh = pipeline.load_unit(params, root=project)
    assert fresh.quality["files"][0]["sha256"] != key
    assert [p.name for p in _entries(project)] == [memo.memo_key(params, root=project)]  # the old one went


def test_a_damaged_entry_is_read_again_and_replaced(project):
    params = load_params(project / "params" / "fleet.yaml")
    first = pipeline.load_unit(params, root=project)
    (entry,) = _entries(project)
    (entry / "facts.json").write_text('{"quality": ', encoding="utf-8")  # cut short
    assert memo.recall(entry) is None
    _assert_same(pipeline.load_unit(params, root=project), first)
    stored = json.loads((entry / "facts.json").read_text(encoding="utf-8"))["quality"]
    assert stored | {"gate_note": first.quality["gate_note"]} == first.quality  # the gate's note is not kept


def test_what_does_not_read_back_exactly_is_never_stored(tmp_path):
    frame = pd.DataFrame({"customer_id": ["a", "b"], "order_date": pd.to_datetime(["2026-01-01", "2026-02-01"])})
    mixed = pd.DataFrame({"raw_value": ["12,5", 3]})  # a str and an int in one column
    assert memo.remember(tmp_path / "unit" / "k1", memo.Loaded(frame, mixed, {}, [])) is False
    assert not (tmp_path / "unit").exists() or not any((tmp_path / "unit").iterdir())
    tupled = memo.Loaded(frame, frame, {"bounds": (1, 2)}, [])  # JSON gives a list back
    assert memo.remember(tmp_path / "unit" / "k2", tupled) is False
    plain = memo.Loaded(frame, frame.iloc[:0], {"rows_read": 2}, [{"path": "x.csv"}])
    assert memo.remember(tmp_path / "unit" / "k3", plain) is True
    _assert_same(*(pipeline.UnitData(x.kept, x.rejected, x.quality, x.sources)
                   for x in (memo.recall(tmp_path / "unit" / "k3"), plain)))


def test_a_postgres_source_is_never_cached(project):
    params = load_params(project / "params" / "fleet.yaml")
    table = params.model_copy(update={"source": params.source.model_copy(
        update={"format": "postgres", "paths": [], "table": "crm.fleet"})})
    assert memo.memo_key(table, root=project) is None
