"""Loading: files -> canonical text columns with lineage, fingerprints and structural rejects.

Expected values are read off the hand-written file bytes (line numbers counted by hand,
header = line 1). The demo test regenerates a unit's export in tmp_path and checks that the
rows the generator planted as dirty are exactly the rows rejected.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from insights import demo
from insights.cleaning import clean_transactions, summarize_quality
from insights.loading import LoadError, load_transactions
from insights.params import load_params, parse_params

ROOT = Path(__file__).resolve().parents[1]


def params_for(paths, *, column_map=None, **source):
    """Return Params reading ``paths`` with the given source options."""
    raw = {"unit": "t", "source": {"paths": list(paths), **source}, "column_map": column_map or {}}
    return parse_params(raw, origin="test")


def test_csv_values_stay_text_with_lineage(tmp_path):
    data = "Код;Дата;Сумма;Имя;Примечание\r\n00042;01.02.2025;1 234,50;NA;x\r\n\r\n007;02.02.2025;null;null;y\r\n"
    (tmp_path / "in.csv").write_bytes(data.encode("utf-8"))
    params = params_for(["in.csv"], column_map={"код": "customer_id", " Дата ": "order_date",
                                                "СУММА": "amount", "Имя": "customer_name"})
    result = load_transactions(params, root=tmp_path)
    frame = result.frame
    assert list(frame.columns) == ["customer_id", "order_date", "amount", "customer_name",
                                   "source_file", "source_line"]
    assert frame["customer_id"].tolist() == ["00042", "007"]
    assert frame["amount"].tolist() == ["1 234,50", "null"]
    assert frame["customer_name"].tolist() == ["NA", "null"]
    assert all(str(frame[c].dtype) == "str" for c in ("customer_id", "amount", "customer_name"))
    assert frame["source_file"].tolist() == ["in.csv"] * 2
    assert frame["source_line"].tolist() == [2, 4]  # line 3 is blank
    assert result.rejected.empty


def test_sources_fingerprint(tmp_path):
    data = b"\xef\xbb\xbfcustomer_id;order_date;amount;extra\r\n1;01.02.2025;5;z\r\n1;x\r\n"
    (tmp_path / "in.csv").write_bytes(data)
    result = load_transactions(params_for(["in.csv"]), root=tmp_path)
    (source,) = result.sources
    assert source["sha256"] == hashlib.sha256(data).hexdigest()
    assert source["bytes"] == len(data)
    assert (source["format"], source["encoding"], source["delimiter"]) == ("csv", "utf-8-sig", ";")
    assert source["rows_read"] == 2 == len(result.frame) + len(result.rejected)
    assert source["unused_columns"] == ["extra"]
    assert source["column_map"] == {"customer_id": "customer_id", "order_date": "order_date",
                                    "amount": "amount"}


def test_several_files_are_concatenated_in_order(tmp_path):
    (tmp_path / "a.csv").write_text("customer_id;order_date;amount;region\n1;01.02.2025;5;msk\n")
    (tmp_path / "b.csv").write_text("customer_id,order_date,amount\n2,2025-02-02,6\n3,2025-02-03\n")
    result = load_transactions(params_for(["a.csv", "b.csv"]), root=tmp_path)
    assert result.frame["customer_id"].tolist() == ["1", "2"]
    assert result.frame["source_file"].tolist() == ["a.csv", "b.csv"]
    assert result.frame["region"].isna().tolist() == [False, True]
    assert result.rejected[["source_file", "source_line", "rule"]].values.tolist() == [
        ["b.csv", 3, "too_few_fields"]]
    assert [s["delimiter"] for s in result.sources] == [";", ","]


def test_header_line_skips_a_preamble(tmp_path):
    text = "Выгрузка продаж\nза 2025 год\ncustomer_id;order_date;amount\n1;01.02.2025;5\n"
    (tmp_path / "a.csv").write_text(text)
    result = load_transactions(params_for(["a.csv"], header_line=3), root=tmp_path)
    assert result.frame["source_line"].tolist() == [4]
    assert result.sources[0]["header_line"] == 3


def test_declared_delimiter_and_encoding_are_used(tmp_path):
    (tmp_path / "a.csv").write_bytes("customer_id|order_date|amount|customer_name\n1|01.02.2025|5|Ёж\n"
                                     .encode("cp1251"))
    result = load_transactions(params_for(["a.csv"], delimiter="|", encoding="cp1251"), root=tmp_path)
    assert result.frame["customer_name"].tolist() == ["Ёж"]


def test_missing_file_names_the_path_and_the_key(tmp_path):
    with pytest.raises(LoadError, match=r"nope.csv: file not found.*source.paths"):
        load_transactions(params_for(["nope.csv"]), root=tmp_path)


def test_excel_header_not_on_first_row_and_blank_rows(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([])
    sheet.append(["customer_id", "order_date", "amount"])
    sheet.append(["1", "01.02.2025", 5])
    sheet.append([])
    sheet.append(["customer_id", "order_date", "amount"])
    sheet.append(["2", "01.02.2025", 6, None, "stray"])
    book.save(tmp_path / "a.xlsx")
    result = load_transactions(params_for(["a.xlsx"]), root=tmp_path)
    assert result.frame["source_line"].tolist() == [3]
    assert result.rejected[["source_line", "rule"]].values.tolist() == [
        [5, "repeated_header"], [6, "too_many_fields"]]
    assert result.sources[0]["sheet"] == "Sheet" and result.sources[0]["rows_read"] == 3


def test_parquet_types_are_checked(tmp_path):
    table = pa.table({"customer_id": pa.array([7, 8]), "order_date": pa.array(["01.02.2025"] * 2),
                      "amount": pa.array([1.5, None]), "is_reference": pa.array([True, None])})
    pq.write_table(table, tmp_path / "a.parquet")
    result = load_transactions(params_for(["a.parquet"]), root=tmp_path)
    assert result.frame["customer_id"].tolist() == ["7", "8"]
    assert result.frame["amount"].dtype == "float64"
    assert "leading zeros" in result.sources[0]["notes"][0]
    cleaned = clean_transactions(result.frame, source=params_for(["a.parquet"]).source)
    assert cleaned.rejected["rule"].tolist() == ["missing_amount"]
    assert cleaned.kept["is_reference"].tolist() == [True]


def test_parquet_fractional_ids_are_refused(tmp_path):
    pq.write_table(pa.table({"customer_id": pa.array([7.5]), "order_date": pa.array(["01.02.2025"]),
                             "amount": pa.array([1.0])}), tmp_path / "a.parquet")
    with pytest.raises(LoadError, match=r"'customer_id' .* type double; customer_id must be text"):
        load_transactions(params_for(["a.parquet"]), root=tmp_path)


def test_params_are_not_modified(tmp_path):
    (tmp_path / "a.csv").write_text("customer_id;order_date;amount\n1;01.02.2025;5\n")
    params = params_for(["a.csv"])
    before = params.model_dump()
    load_transactions(params, root=tmp_path)
    assert params.model_dump() == before


def _planted(data: bytes) -> set[tuple[int, str]]:
    """Return (line, rule) of the dirty rows planted in a demo export, found with plain csv."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    header, expected = rows[0], set()
    at = {name: header.index(name) for name in ("Дата", "Код клиента", "Сумма")}
    for line, row in enumerate(rows[1:], start=2):
        if row[0] == "Итого":
            expected.add((line, "total_row"))
        elif not row[at["Код клиента"]]:
            expected.add((line, "missing_customer_id"))
        elif row[at["Сумма"]] == "н/д":
            expected.add((line, "bad_amount"))
        elif row[at["Дата"]] == demo.FUTURE_DATE:
            expected.add((line, "date_in_future"))
        elif row == rows[line - 2]:
            expected.add((line, "duplicate_row"))
    return expected


@pytest.mark.parametrize("unit", ["corporate", "fleet"])
def test_demo_export_rejects_exactly_the_planted_dirty_rows(unit, tmp_path):
    data = demo.export_demo_csv(unit)
    (tmp_path / "export.csv").write_bytes(data)
    unit_params = load_params(ROOT / "params" / f"{unit}.yaml")
    source = unit_params.source.model_copy(update={"paths": ["export.csv"]})
    params = unit_params.model_copy(update={"source": source})
    loaded = load_transactions(params, root=tmp_path)
    cleaned = clean_transactions(loaded.frame, source=params.source)
    rejected = pd.concat([loaded.rejected, cleaned.rejected])
    planted = _planted(data)
    assert len(planted) == len(demo.DIRTY_ROW_KINDS)
    assert set(zip(rejected["source_line"], rejected["rule"], strict=True)) == planted
    quality = summarize_quality(loaded, cleaned)
    assert quality["reconciles"]
    assert quality["rows_read"] == data.count(b"\r\n") - 1 == len(cleaned.kept) + len(rejected)
    # the total row's amount is the sum of every parseable amount above it
    total = cleaned.rejected.loc[cleaned.rejected["rule"] == "total_row", "amount_value"].iloc[0]
    parsed_above = quality["amount_read"] - total
    assert total == pytest.approx(parsed_above, abs=0.01)


def test_demo_export_reads_the_same_with_every_format_setting_on_auto(tmp_path):
    (tmp_path / "export.csv").write_bytes(demo.export_demo_csv("corporate"))
    explicit = load_params(ROOT / "params" / "corporate.yaml")
    results = []
    for update in ({}, {"format": "auto", "encoding": "auto", "delimiter": "auto", "decimal": "auto",
                        "thousands": "auto", "date_format": None}):
        source = explicit.source.model_copy(update={"paths": ["export.csv"], **update})
        loaded = load_transactions(explicit.model_copy(update={"source": source}), root=tmp_path)
        results.append(clean_transactions(loaded.frame, source=source))
    pd.testing.assert_frame_equal(results[0].kept, results[1].kept)
    assert "amount: decimal comma (detected)" in results[1].notes
