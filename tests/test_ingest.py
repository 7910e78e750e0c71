"""Streaming ingest: batches cleaned by the same code give what the in-memory path gives.

The reference for every comparison is the in-memory path on the same files
(``load_transactions`` + ``clean_transactions`` + ``summarize_quality``, each tested on
hand-checked cases elsewhere); the hand-built files put duplicates, conflicting orders,
broken records and decimal-separator evidence on both sides of batch boundaries.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from insights import demo
from insights.cleaning import clean_transactions, summarize_quality
from insights.features.customers import build_customer_features
from insights.ingest import stream as ingest
from insights.ingest.checks import ExactSum
from insights.loading import LoadError, load_transactions
from insights.params import FeatureParams, Params, load_params, parse_params

from conftest import write_demo_exports

HEADER = "customer_id;order_date;amount;order_id;customer_name"
LINES = [
    HEADER,
    "001;01.02.2025;10;A1;x",
    "002;01.02.2025;20;A2;y",
    "001;01.02.2025;10;A1;x",  # duplicate of line 2 in the same batch
    "003;01.02.2025;5;A3;z;extra",
    "004;01.02.2025",
    "",
    HEADER,
    '005;01.02.2025;7;B1;"ООО ""Рога""',
    '006;01.02.2025;8;A4;"multi',
    'line"',
    "007;01.02.2025;9;A2;w",  # order A2 again, another customer: conflict across batches
    "Итого;;100;;",
    ";01.02.2025;3;A9;n",
    "008;01.02.2025;н/д;A10;n",
    "001;01.02.2025;10;A1;x",  # duplicate of line 2, batches away
    "009;32.01.2025;1;A11;n",
    " 010 ;02.02.2025;4;A12;n",
    "010;02.02.2025;4;A12;n",  # equal to the line above once parsed
    "011;03.02.2025;1;;n",
    "011;03.02.2025;1;;n",  # no order id: a possible duplicate, kept (source.duplicates)
]
DECIMALS = [  # only the first batch says "point"; the file as a whole says "comma"
    "customer_id;order_date;amount", "001;01.02.2025;1.5", "002;01.02.2025;1,234",
    "003;01.02.2025;2,25", "004;01.02.2025;3,5", "005;01.02.2025;4,75", "006;01.02.2025;7",
    "007;01.02.2025;1.234,5",
]
CSV = {
    "mixed": ("\n".join(LINES) + "\n").encode("utf-8"),
    "bom crlf": b"\xef\xbb\xbf" + ("\r\n".join(LINES) + "\r\n").encode("utf-8"),
    "cp1251": ("\n".join(LINES) + "\n").encode("cp1251"),
    "decimals": ("\n".join(DECIMALS) + "\n").encode("utf-8"),
}


def _params(paths=("tx.csv",), **source) -> Params:
    return parse_params({"unit": "t", "source": {"paths": list(paths), **source}}, origin="test")


def _in_memory(params: Params, root):
    loaded = load_transactions(params, root=root)
    cleaned = clean_transactions(loaded.frame, source=params.source)
    rejected = pd.concat([loaded.rejected, cleaned.rejected], ignore_index=True)
    return cleaned.kept, rejected, summarize_quality(loaded, cleaned), loaded.sources


def _by_line(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["source_file", "source_line"], kind="stable").reset_index(drop=True)


def _assert_same_as_in_memory(params: Params, root, batch_rows: int) -> ingest.IngestResult:
    kept, rejected, quality, sources = _in_memory(params, root)
    result = ingest.ingest(params, root=root, cache_dir=root / f"cache{batch_rows}",
                           batch_rows=batch_rows)
    streamed = _by_line(pd.read_parquet(result.dataset))
    # Parquet stores timestamps in microseconds: order_date comes back datetime64[us]
    streamed["order_date"] = streamed["order_date"].astype(kept["order_date"].dtype)
    pd.testing.assert_frame_equal(streamed, _by_line(kept), check_exact=True)
    quarantine = ingest.read_quarantine(result)
    key = ["source_file", "source_line", "rule", "reason"]
    assert quarantine[key].values.tolist() == rejected[key].values.tolist()
    pd.testing.assert_frame_equal(quarantine, rejected)
    assert result.quality == quality and result.sources == sources
    assert result.rows_in == result.rows_kept + result.rows_rejected == quality["rows_read"]
    return result


@pytest.mark.parametrize("name", list(CSV))
@pytest.mark.parametrize("batch_rows", [3, 7])
def test_hostile_csv_streamed_equals_in_memory(tmp_path, name, batch_rows):
    (tmp_path / "tx.csv").write_bytes(CSV[name])
    result = _assert_same_as_in_memory(_params(), tmp_path, batch_rows)
    assert result.batches >= result.rows_in / batch_rows


def test_duplicates_and_conflicts_across_batches_are_found(tmp_path):
    (tmp_path / "tx.csv").write_bytes(CSV["mixed"])
    result = _assert_same_as_in_memory(_params(), tmp_path, 3)
    rules = ingest.read_quarantine(result).set_index("source_line")["rule"]
    # paper: line 16 repeats line 2 (batches apart); order A2 is on lines 3 and 12 (the
    # quoted value on lines 10-11 is one record); lines 19 and 21 repeat 18 and 20
    assert rules[16] == "duplicate_row" and rules[3] == rules[12] == "order_conflict"
    assert rules[19] == "duplicate_row" and 21 not in rules.index  # 21 has no order id
    assert rules[9] == "unterminated_quote" and rules[17] == "bad_date"
    assert result.quality["counts"]["possible_duplicates"] == 1


def test_duplicates_and_conflicts_within_one_batch_are_found(tmp_path):
    # batches are cleaned without their own duplicate search: the pass over the dataset
    # finds repeats and conflicts inside one batch too (the same lines as across batches)
    (tmp_path / "tx.csv").write_bytes(CSV["mixed"])
    result = _assert_same_as_in_memory(_params(), tmp_path, 1000)
    assert result.batches == 1
    rules = ingest.read_quarantine(result).set_index("source_line")["rule"]
    assert rules[16] == "duplicate_row" and rules[3] == rules[12] == "order_conflict"
    assert rules[19] == "duplicate_row" and 21 not in rules.index


@pytest.mark.parametrize("batch_rows", [1, 1000])
def test_order_ids_lose_invisible_characters_as_in_memory(tmp_path, batch_rows):
    # 'A<zero-width space>7' is order A7 once cleaned, so line 4 repeats line 2 (the stream
    # kept the invisible character and missed the duplicate before)
    (tmp_path / "tx.csv").write_text("customer_id,order_id,order_date,amount\n"
                                     "C1,A\u200b7,2025-01-02,10.5\nC2,B8,2025-01-03,11\n"
                                     "C1,A7,2025-01-02,10.5\n", encoding="utf-8")
    result = _assert_same_as_in_memory(_params(), tmp_path, batch_rows)
    assert sorted(pd.read_parquet(result.dataset)["order_id"]) == ["A7", "B8"]
    assert ingest.read_quarantine(result)[["source_line", "rule"]].values.tolist() == [
        [4, "duplicate_row"]]


def test_identical_rows_without_an_id_dropped_across_batches_when_asked(tmp_path):
    (tmp_path / "tx.csv").write_bytes(CSV["mixed"])
    result = _assert_same_as_in_memory(_params(duplicates="drop"), tmp_path, 3)
    rules = ingest.read_quarantine(result).set_index("source_line")["rule"]
    assert rules[21] == "duplicate_row"


def test_grain_order_conflicts_name_the_columns(tmp_path):
    (tmp_path / "tx.csv").write_bytes(CSV["mixed"])
    result = _assert_same_as_in_memory(_params(grain="order"), tmp_path, 3)
    reasons = ingest.read_quarantine(result).set_index("source_line")["reason"]
    assert "with different customer_id, amount, customer_name" in reasons[12]


def test_decimal_decided_over_the_whole_file(tmp_path):
    (tmp_path / "tx.csv").write_bytes(CSV["decimals"])
    result = _assert_same_as_in_memory(_params(), tmp_path, 3)
    assert "amount: decimal comma (detected)" in result.quality["notes"]
    rules = ingest.read_quarantine(result).set_index("source_line")["rule"]
    assert rules[2] == "bad_amount"  # '1.5' fits only a decimal point: the file says comma


def test_files_with_different_columns(tmp_path):
    (tmp_path / "a.csv").write_text("customer_id;order_date;amount;cost\n001;01.02.2025;5;\n"
                                    "002;01.02.2025;6;1\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("customer_id;order_date;amount\n001;01.02.2025;5\n"
                                    "003;01.02.2025;7\n", encoding="utf-8")
    result = _assert_same_as_in_memory(_params(["a.csv", "b.csv"], duplicates="drop"), tmp_path, 1)
    reasons = ingest.read_quarantine(result)["reason"].tolist()
    assert reasons == ["an exact duplicate of line 2 of a.csv (every column equal); the first "
                       "copy is kept"]


def test_demo_units_streamed_equal_in_memory(tmp_path):
    write_demo_exports(tmp_path / "data" / "demo")
    for unit in demo.DEMO_UNITS:
        params = load_params(f"params/{unit}.yaml")
        _, rejected, _, _ = _in_memory(params, tmp_path)
        duplicate = int(rejected.loc[rejected["rule"] == "duplicate_row", "source_line"].iloc[0])
        # cut a batch right before the planted duplicate so it meets its original across batches
        batch_rows = duplicate - 2 if duplicate > 2000 else 4000
        result = _assert_same_as_in_memory(params, tmp_path, batch_rows)
        assert result.quality["rows_rejected"] >= demo.DIRTY_ROWS_PER_UNIT


def test_parquet_input(tmp_path):
    pq.write_table(pa.table({
        "customer_id": pa.array([1, 2, 1, 3, None, 2], type=pa.int64()),
        "order_date": pa.array(pd.to_datetime(["2025-01-01"] * 6).to_pydatetime(), type=pa.timestamp("us")),
        "amount": pa.array([1.5, 2.0, 1.5, None, 4.0, 2.0]),
        "order_id": pa.array(["a", "b", "a", "c", "d", "b"]),
    }), tmp_path / "tx.parquet", row_group_size=2)
    result = _assert_same_as_in_memory(_params(["tx.parquet"]), tmp_path, 2)
    assert result.rows_kept == 2 and result.batches == 3


@pytest.mark.parametrize("data", [
    b"\xff\xfe" + "customer_id;order_date;amount\n".encode("utf-16-le"),
    ("customer_id;order_date;amount;customer_name\n001;01.02.2025;5;"
     + "ÐžÐžÐž Ð Ð¾Ð¼Ð°ÑˆÐºÐ°\n").encode("utf-8"),
])
def test_encoding_refusals_raise_the_load_error(tmp_path, data):
    (tmp_path / "tx.csv").write_bytes(data)
    with pytest.raises(LoadError) as in_memory:
        load_transactions(_params(), root=tmp_path)
    with pytest.raises(LoadError) as streamed:
        ingest.ingest(_params(), root=tmp_path, cache_dir=tmp_path / "cache")
    assert str(streamed.value) == str(in_memory.value)
    assert not list((tmp_path / "cache").iterdir())  # nothing left behind


def test_interrupted_run_leaves_no_dataset(tmp_path, monkeypatch):
    (tmp_path / "tx.csv").write_bytes(CSV["mixed"])
    calls = []

    def failing(raw, *, source, checks=True, repeats=True):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return clean_transactions(raw, source=source, checks=checks, repeats=repeats)

    monkeypatch.setattr(ingest, "clean_transactions", failing)
    with pytest.raises(KeyboardInterrupt):
        ingest.ingest(_params(), root=tmp_path, cache_dir=tmp_path / "cache", batch_rows=3)
    assert not list((tmp_path / "cache").iterdir())


# --- the cache and the features on the dataset ---------------------------------------------

RU = "Клиент;Дата;Сумма;Заказ;Направление\n"
ROWS = ["007;01.02.2025;1 234,50;A1;service", "007;15.03.2026;100,00;A2;cars",
        "008;20.05.2026;-30,25;A3;cars", ";21.05.2026;10,00;A4;cars",
        "009;01.09.2026;99,99;A5;service", "009;02.09.2026;0,01;A6;cars"]


def _ru_params() -> Params:
    return Params.model_validate({
        "unit": "t",
        "source": {"paths": ["tx.csv"], "delimiter": ";", "encoding": "utf-8", "decimal": ",",
                   "thousands": " ", "date_format": "%d.%m.%Y"},
        "column_map": {"Клиент": "customer_id", "Дата": "order_date", "Сумма": "amount",
                       "Заказ": "order_id", "Направление": "product_line"},
    })


@pytest.fixture
def export(tmp_path):
    (tmp_path / "tx.csv").write_text(RU + "\n".join(ROWS) + "\n", encoding="utf-8")
    return tmp_path


def test_features_on_the_dataset_match_the_in_memory_path(export):
    result = ingest.ingest(_ru_params(), root=export, cache_dir=export / "cache", batch_rows=2)
    assert result.batches == 3 and (result.rows_in, result.rows_kept, result.rows_rejected) == (6, 5, 1)
    # paper: 1234.50 + 100 - 30.25 + 10 (rejected row's amount parses) + 99.99 + 0.01
    assert result.amount_in == pytest.approx(1414.25)
    params = FeatureParams(service_product_lines=["service"])
    streamed = build_customer_features(result.dataset, as_of="2026-09-30", params=params)
    kept, _, _, _ = _in_memory(_ru_params(), export)
    expected = build_customer_features(kept, as_of="2026-09-30", params=params)
    pd.testing.assert_frame_equal(streamed, expected, check_exact=True)
    assert streamed["customer_id"].tolist() == ["007", "008", "009"]  # zeros kept


def test_cache_reused_until_the_input_changes(export):
    first = ingest.ingest(_ru_params(), root=export, cache_dir=export / "cache")
    again = ingest.ingest(_ru_params(), root=export, cache_dir=export / "cache")
    assert not first.cached and again.cached and again.fingerprint == first.fingerprint
    assert again.quality == first.quality and again.sources == first.sources
    saved = json.loads((export / "cache" / first.fingerprint / "_SUCCESS.json").read_text())
    assert saved["rows_kept"] == 5
    with (export / "tx.csv").open("a", encoding="utf-8") as handle:
        handle.write("010;03.09.2026;5,00;A7;cars\n")
    changed = ingest.ingest(_ru_params(), root=export, cache_dir=export / "cache")
    assert not changed.cached and changed.fingerprint != first.fingerprint
    assert changed.rows_kept == 6


def test_fingerprint_depends_on_params(export):
    other = _ru_params().model_copy(update={"column_map": {**_ru_params().column_map, "Заказ": "channel"}})
    assert ingest.fingerprint(_ru_params(), root=export) != ingest.fingerprint(other, root=export)


def test_missing_required_column_is_the_load_error(export):
    (export / "tx.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(LoadError, match="customer_id"):
        ingest.ingest(_ru_params(), root=export, cache_dir=export / "cache")


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ingest.IngestError, match="tx.csv"):
        ingest.ingest(_params(), root=tmp_path, cache_dir=tmp_path / "cache")


def test_worker_processes_write_the_same_dataset(tmp_path, monkeypatch):
    """Batches cleaned in two worker processes give the files one process gives."""
    write_demo_exports(tmp_path / "data" / "demo")
    params = load_params(Path(__file__).resolve().parents[1] / "params" / "fleet.yaml")
    alone = ingest.ingest(params, root=tmp_path, cache_dir=tmp_path / "alone", batch_rows=5000, workers=0)
    monkeypatch.setattr(ingest, "POOL_MIN_ROWS", 0)
    pooled = ingest.ingest(params, root=tmp_path, cache_dir=tmp_path / "pooled", batch_rows=5000, workers=2)
    assert pooled.batches == alone.batches > 2 and pooled.quality == alone.quality
    for folder in ("data", "quarantine"):
        ours = sorted(Path(getattr(pooled, "dataset" if folder == "data" else "quarantine")).iterdir())
        theirs = sorted(Path(getattr(alone, "dataset" if folder == "data" else "quarantine")).iterdir())
        assert [p.name for p in ours] == [p.name for p in theirs]
        for a, b in zip(ours, theirs, strict=True):
            assert pd.read_parquet(a).equals(pd.read_parquet(b)), a.name


def test_a_file_changed_during_the_run_is_refused_and_never_cached(export, monkeypatch):
    real_build = ingest._build

    def build_then_change(*args, **kwargs):
        result = real_build(*args, **kwargs)
        with (export / "tx.csv").open("a", encoding="utf-8") as handle:  # the export grows mid-run
            handle.write("010;03.09.2026;5,00;A7;cars\n")
        return result

    monkeypatch.setattr(ingest, "_build", build_then_change)
    with pytest.raises(ingest.IngestError, match="changed while it was being read"):
        ingest.ingest(_ru_params(), root=export, cache_dir=export / "cache")
    assert not list((export / "cache").iterdir())
    monkeypatch.setattr(ingest, "_build", real_build)
    fresh = ingest.ingest(_ru_params(), root=export, cache_dir=export / "cache")
    assert not fresh.cached and fresh.rows_kept == 6  # the grown file, not the old rows


def test_exact_sum_equals_fsum_over_many_exponents():
    # the reconciliation's sums: correctly rounded like math.fsum, added in any number of
    # arrays, over values of every magnitude (subnormal to 1e300, both signs, NaN skipped)
    rng = np.random.default_rng(11)
    values = rng.standard_normal(20_000) * 10.0 ** rng.integers(-310, 300, 20_000)
    values = np.concatenate([values, [1e16, 1.0, -1e16, np.nan, 5e-324, -0.0, 0.1] * 3])
    total = ExactSum()
    for part in np.array_split(values, 7):
        total.add(part)
    assert total.value() == math.fsum(values[~np.isnan(values)])
    assert ExactSum().add([0.1] * 10).value() == 1.0  # fsum's textbook example; sum() gives 0.9999999999999999
