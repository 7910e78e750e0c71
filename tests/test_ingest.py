"""Streaming ingest: batches cleaned by the same code, reconciled, cached by fingerprint."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from insights.features import build_customer_features
from insights.ingest import IngestError, fingerprint, ingest_csv
from insights.params import FeatureParams, Params
from insights.pipeline import load_unit

HEADER = "Клиент;Дата;Сумма;Заказ;Направление\n"
ROWS = [
    "007;01.02.2025;1 234,50;A1;service",
    "007;15.03.2026;100,00;A2;cars",
    "008;20.05.2026;-30,25;A3;cars",
    ";21.05.2026;10,00;A4;cars",  # no customer: rejected
    "009;01.09.2026;99,99;A5;service",
    "009;02.09.2026;0,01;A6;cars",
]


def _params() -> Params:
    return Params.model_validate(
        {
            "unit": "t",
            "source": {"paths": ["tx.csv"], "delimiter": ";", "encoding": "utf-8",
                       "decimal": ",", "thousands": " ", "date_format": "%d.%m.%Y"},
            "column_map": {"Клиент": "customer_id", "Дата": "order_date", "Сумма": "amount",
                           "Заказ": "order_id", "Направление": "product_line"},
        }
    )


@pytest.fixture
def export(tmp_path):
    (tmp_path / "tx.csv").write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    return tmp_path


def test_batches_reconcile_and_match_the_in_memory_path(export):
    result = ingest_csv(_params(), root=export, cache_dir=export / "cache", batch_bytes=128)
    assert result.batches >= 2  # 128-byte blocks: several batches
    assert (result.rows_in, result.rows_kept, result.rows_rejected) == (6, 5, 1)
    # paper: 1234.50 + 100 - 30.25 + 10 (rejected row's amount parses) + 99.99 + 0.01
    assert result.amount_in == pytest.approx(1414.25)
    quarantine = pd.read_parquet(result.quarantine)
    assert quarantine["reason"].str.contains("customer").all()
    params = FeatureParams(service_product_lines=["service"])
    streamed = build_customer_features(result.dataset, as_of="2026-09-30", params=params)
    in_memory = load_unit(_params(), root=export).transactions
    expected = build_customer_features(in_memory, as_of="2026-09-30", params=params)
    pd.testing.assert_frame_equal(streamed, expected, check_exact=True)
    assert streamed["customer_id"].tolist() == ["007", "008", "009"]  # zeros kept


def test_cache_reused_until_the_input_changes(export):
    first = ingest_csv(_params(), root=export, cache_dir=export / "cache")
    again = ingest_csv(_params(), root=export, cache_dir=export / "cache")
    assert not first.cached and again.cached and again.fingerprint == first.fingerprint
    saved = json.loads((export / "cache" / first.fingerprint / "_SUCCESS.json").read_text())
    assert saved["rows_kept"] == 5
    with (export / "tx.csv").open("a", encoding="utf-8") as handle:
        handle.write("010;03.09.2026;5,00;A7;cars\n")
    changed = ingest_csv(_params(), root=export, cache_dir=export / "cache")
    assert not changed.cached and changed.fingerprint != first.fingerprint
    assert changed.rows_kept == 6


def test_fingerprint_depends_on_params(export):
    other = _params().model_copy(update={"column_map": {**_params().column_map, "Заказ": "channel"}})
    assert fingerprint(_params(), root=export) != fingerprint(other, root=export)


def test_missing_required_column_is_a_clear_error(export):
    (export / "tx.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(IngestError, match="customer_id"):
        ingest_csv(_params(), root=export, cache_dir=export / "cache")


def test_bom_header_line_and_quoted_newlines(tmp_path):
    text = "Выгрузка продаж\n" + HEADER + '007;01.02.2025;"1 234,50";"A\nB";service\n'
    (tmp_path / "tx.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    params = _params().model_copy(update={"source": _params().source.model_copy(
        update={"encoding": "auto", "header_line": 2})})
    result = ingest_csv(params, root=tmp_path, cache_dir=tmp_path / "cache")
    assert (result.rows_kept, result.rows_rejected) == (1, 0)
    kept = pd.read_parquet(result.dataset)
    assert kept["order_id"].tolist() == ["A\nB"] and kept["amount"].tolist() == [1234.5]
