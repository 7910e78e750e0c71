"""A battery of small hostile input files, each with its expected outcome (issue 6, Ingestion).

Every case writes one file into tmp_path, points a params object at it and runs
``load_transactions`` + ``clean_transactions``. The expected outcome is written by hand: a
parsed value (worked out on paper from the bytes), a quarantine rule at a physical line, or
a ``LoadError`` whose message names the file and what to change. Every case that loads also
asserts the reconciliation: rows read = rows kept + rows rejected, and ``reconciles``.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from insights.cleaning import clean_transactions, summarize_quality
from insights.loading import LoadError, load_transactions
from insights.params import parse_params

HEADER = "customer_id;order_date;amount"
RU_MAP = {"Код клиента": "customer_id", "Дата": "order_date", "Сумма": "amount"}


def text(*lines: str, eol: str = "\n", encoding: str = "utf-8") -> bytes:
    """Join lines into file bytes."""
    return (eol.join(lines) + eol).encode(encoding)


def workbook(*sheets: tuple[str, list[list]]) -> bytes:
    """Return .xlsx bytes with the given (sheet name, rows)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets:
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_part(data: bytes, name: str, content: bytes) -> bytes:
    """Return a copy of a zip with one part replaced or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != name:
                dst.writestr(info, src.read(info))
        dst.writestr(name, content)
    return out.getvalue()


def parquet(table: dict) -> bytes:
    """Return Parquet bytes of a dict of pyarrow arrays."""
    buffer = io.BytesIO()
    pq.write_table(pa.table(table), buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class Kept:
    """Expect a kept value in ``column`` (row ``row`` of the kept frame)."""

    column: str
    value: object
    row: int = 0


@dataclass(frozen=True)
class Rejected:
    """Expect a reject with ``rule`` at physical ``line`` (its reason containing ``says``)."""

    rule: str
    line: int
    says: str = ""


@dataclass(frozen=True)
class Fails:
    """Expect a LoadError whose message matches ``pattern`` and names the file."""

    pattern: str


@dataclass(frozen=True)
class Case:
    """One hostile file: its name, its bytes (or a builder), params and expectations."""

    id: str
    name: str
    data: bytes | Callable[[], bytes]
    expect: tuple
    source: dict | None = None
    column_map: dict | None = None


def day(text_: str) -> pd.Timestamp:
    return pd.Timestamp(text_)


CASES = [
    # --- delimiters and structure -------------------------------------------------------
    Case("semicolon", "a.csv", text(HEADER, "001;01.02.2025;10"), (Kept("amount", 10.0),)),
    Case("comma", "a.csv", text("customer_id,order_date,amount", "001,2025-02-01,10.5"),
         (Kept("amount", 10.5),)),
    Case("tab", "a.tsv", text("customer_id\torder_date\tamount", "001\t01.02.2025\t7"),
         (Kept("amount", 7.0),)),
    Case("pipe", "a.txt", text("customer_id|order_date|amount", "001|01.02.2025|7"),
         (Kept("amount", 7.0),)),
    Case("trailing delimiter", "a.csv", text(HEADER + ";", "001;01.02.2025;5;", "002;02.02.2025;6;"),
         (Kept("customer_id", "002", 1), Kept("amount", 6.0, 1))),
    Case("CRLF and blank lines keep physical line numbers", "a.csv",
         text(HEADER, "", "001;01.02.2025;5", "   ", "002;02.02.2025;x", eol="\r\n"),
         (Kept("source_line", 3), Rejected("bad_amount", 5))),
    Case("old Mac CR line ends", "a.csv", text(HEADER, "001;01.02.2025;5", eol="\r"),
         (Kept("amount", 5.0),)),
    Case("repeated header line", "a.csv", text(HEADER, "001;01.02.2025;5", HEADER, "002;01.02.2025;6"),
         (Rejected("repeated_header", 3), Kept("customer_id", "002", 1))),
    Case("too many fields", "a.csv", text(HEADER, "001;01.02.2025;5;oops", "002;01.02.2025;6"),
         (Rejected("too_many_fields", 2, "4 fields"), Kept("customer_id", "002"))),
    Case("too few fields", "a.csv", text(HEADER, "001;01.02.2025", "002;01.02.2025;6"),
         (Rejected("too_few_fields", 2, "2 fields"), Kept("customer_id", "002"))),
    Case("unterminated quote does not swallow the file", "a.csv",
         text(HEADER + ";customer_name", '001;01.02.2025;5;"ООО Ромашка', "002;01.02.2025;6;x",
              "003;01.02.2025;7;y"),
         (Rejected("unterminated_quote", 2), Kept("customer_id", "002"), Kept("customer_id", "003", 1))),
    Case("undoubled quote inside quotes", "a.csv",
         text(HEADER + ";customer_name", '001;01.02.2025;5;"ООО "Ромашка""', "002;01.02.2025;6;x"),
         (Rejected("malformed_quotes", 2), Kept("customer_id", "002"))),
    Case("huge unquoted value", "a.csv", text(HEADER + ";customer_name", "001;01.02.2025;5;" + "x" * 200_000,
                                              "002;01.02.2025;6;y"),
         (Rejected("too_long_value", 2, "longer than"), Kept("customer_id", "002"))),
    Case("NUL byte inside a value (past the encoding sample)", "a.csv",
         text(HEADER + ";customer_name", *["001;01.02.2025;5;y"] * 4000, "002;01.02.2025;6;x\x00y"),
         (Rejected("nul_byte", 4002, "NUL byte (character 19)"), Kept("customer_name", "y", 3999))),
    Case("quoted delimiter, quote and line break inside a value", "a.csv",
         text(HEADER + ";customer_name", '001;01.02.2025;5;"ООО ""Рога; и\r\nКопыта"""',
              "002;01.02.2025;6;x"),
         (Kept("customer_name", 'ООО "Рога; и Копыта"'), Kept("source_line", 4, 1))),
    Case("duplicate header mapped", "a.csv", text("customer_id;order_date;amount;amount", "1;01.02.2025;5;6"),
         (Fails(r"'amount' appears 2 times.*amount#1, amount#2"),)),
    Case("duplicate header resolved by position name", "a.csv",
         text("customer_id;order_date;Сумма;Сумма", "1;01.02.2025;5;6"), (Kept("amount", 6.0),),
         column_map={"Сумма#2": "amount"}),
    Case("missing header (first line is data)", "a.csv", text("001;01.02.2025;5", "002;01.02.2025;6"),
         (Fails(r"customer_id, order_date, amount not found.*looks like data"),)),
    Case("required column missing: message says what to map", "a.csv",
         text("Клиент;Дата;Итог", "1;01.02.2025;5"),
         (Fails(r"customer_id, amount not found.*'Клиент': customer_id"),),
         column_map={"Дата": "order_date"}),
    Case("column_map key matching no column", "a.csv", text(HEADER, "1;01.02.2025;5"),
         (Fails(r"column_map key\(s\) 'Сумма ' match no column"),), column_map={"Сумма ": "cost"}),
    Case("empty header cell named by position", "a.csv", text("customer_id;;amount", "1;01.02.2025;5"),
         (Kept("order_date", day("2025-02-01")),), column_map={"column_2": "order_date"}),
    # --- numbers ------------------------------------------------------------------------
    Case("thousands U+00A0, decimal comma", "a.csv", text(HEADER, "001;01.02.2025;1\u00a0234,56"),
         (Kept("amount", 1234.56),)),
    Case("thousands U+202F", "a.csv", text(HEADER, "001;01.02.2025;1\u202f234\u202f567,5"),
         (Kept("amount", 1234567.5),)),
    Case("thousands plain space", "a.csv", text(HEADER, "001;01.02.2025;12 345,00"),
         (Kept("amount", 12345.0),)),
    Case("broken digit groups are not a number", "a.csv", text(HEADER, "001;01.02.2025;12 34,00"),
         (Rejected("bad_amount", 2, "'12 34,00' is not a number"),)),
    Case("U+2212 minus", "a.csv", text(HEADER, "001;01.02.2025;\u22121\u00a0234,56"),
         (Kept("amount", -1234.56),)),
    Case("en dash minus", "a.csv", text(HEADER, "001;01.02.2025;\u201350"), (Kept("amount", -50.0),)),
    Case("parentheses negative", "a.csv", text(HEADER, "001;01.02.2025;(123,45)"),
         (Kept("amount", -123.45),)),
    Case("trailing minus (SAP)", "a.csv", text(HEADER, "001;01.02.2025;1.234,50-"),
         (Kept("amount", -1234.5),)),
    Case("rouble sign", "a.csv", text(HEADER, "001;01.02.2025;1\u00a0234,56 \u20bd"),
         (Kept("amount", 1234.56),)),
    Case("руб. after the number", "a.csv", text(HEADER, "001;01.02.2025;100 руб."), (Kept("amount", 100.0),)),
    Case("RUB code before a negative number", "a.csv", text(HEADER, "001;01.02.2025;RUB -7,5"),
         (Kept("amount", -7.5),)),
    Case("dollar amount in a rouble unit", "a.csv", text(HEADER, "001;01.02.2025;$100", "002;01.02.2025;5"),
         (Rejected("other_currency", 2, "not in the unit's currency RUB"), Kept("customer_id", "002"))),
    Case("comma thousands, decimal point (quoted)", "a.csv",
         text("customer_id,order_date,amount", '001,2025-02-01,"1,234.56"', '002,2025-02-01,"2.5"'),
         (Kept("amount", 1234.56), Kept("amount", 2.5, 1))),
    Case("explicit decimal point refuses a decimal comma", "a.csv", text(HEADER, "001;01.02.2025;12,5"),
         (Rejected("bad_amount", 2),), source={"decimal": "."}),
    Case("н/д amount", "a.csv", text(HEADER, "001;01.02.2025;н/д"),
         (Rejected("bad_amount", 2, "amount 'н/д' is not a number"),)),
    Case("empty amount", "a.csv", text(HEADER, "001;01.02.2025;"), (Rejected("missing_amount", 2),)),
    # --- dates --------------------------------------------------------------------------
    Case("01.02.2025 is 1 February", "a.csv", text(HEADER, "001;01.02.2025;1"),
         (Kept("order_date", day("2025-02-01")),)),
    Case("ISO date-time normalised to the day", "a.csv", text(HEADER, "001;2025-02-01T23:59:59+03:00;1"),
         (Kept("order_date", day("2025-02-01")),)),
    Case("day-first date with time", "a.csv", text(HEADER, "001;01.02.2025 13:45;1"),
         (Kept("order_date", day("2025-02-01")),)),
    Case("Excel serial date, declared", "a.csv", text(HEADER, "001;45658;1"),
         (Kept("order_date", day("2025-01-01")),), source={"excel_date_columns": ["order_date"]}),
    Case("Excel serial date, not declared", "a.csv", text(HEADER, "001;45658;1"),
         (Rejected("bad_date", 2, "source.excel_date_columns"),)),
    Case("31 February", "a.csv", text(HEADER, "001;31.02.2025;1"),
         (Rejected("bad_date", 2, "'31.02.2025' is not a date"),)),
    Case("month-first override", "a.csv", text(HEADER, "001;02/01/2025;1"),
         (Kept("order_date", day("2025-02-01")),), source={"date_format": "%m/%d/%Y"}),
    Case("date after the export date", "a.csv", text(HEADER, "001;15.03.2027;1", "002;30.09.2026;1"),
         (Rejected("date_in_future", 2, "2027-03-15 is after the export date 2026-10-01"),
          Kept("customer_id", "002")), source={"export_date": "2026-10-01"}),
    Case("date before min_date", "a.csv", text(HEADER, "001;01.01.1900;1"),
         (Rejected("date_too_old", 2),)),
    Case("placeholder date 9999-12-31, no export date", "a.csv",
         text(HEADER, "001;31.12.9999;1", "002;30.09.2026;1"),
         (Rejected("date_out_of_range", 2, "9999-12-31 is after 2262-04-10"),
          Kept("customer_id", "002"))),
    # --- rows that are not transactions -------------------------------------------------
    Case("Итого total row", "a.csv", text(HEADER, "001;01.02.2025;5", "Итого;;5"),
         (Rejected("total_row", 3), Kept("customer_id", "001"))),
    Case("ВСЕГО: in a name column", "a.csv",
         text(HEADER + ";customer_name", "001;01.02.2025;5;x", ";;5;ВСЕГО:"), (Rejected("total_row", 3),)),
    Case("customer named Total Motors is kept", "a.csv",
         text(HEADER + ";customer_name", "001;01.02.2025;5;Total Motors"),
         (Kept("customer_name", "Total Motors"),)),
    Case("missing customer id", "a.csv", text(HEADER, " ;01.02.2025;5"),
         (Rejected("missing_customer_id", 2, "customer_id is empty"),)),
    Case("exact duplicate order line", "a.csv",
         text(HEADER + ";order_id", "001;01.02.2025;5;A1", "001;01.02.2025;5;A1"),
         (Rejected("duplicate_row", 3, "duplicate of line 2"), Kept("source_line", 2))),
    Case("same order id, different amounts (one row per order)", "a.csv",
         text(HEADER + ";order_id", "001;01.02.2025;5;A1", "001;01.02.2025;6;A1", "002;01.02.2025;1;B"),
         (Rejected("order_conflict", 2, "different amount"), Rejected("order_conflict", 3),
          Kept("customer_id", "002")), source={"grain": "order"}),
    Case("same order id, two customers (order lines)", "a.csv",
         text(HEADER + ";order_id", "001;01.02.2025;5;A1", "002;01.02.2025;6;A1", "001;01.02.2025;7;B"),
         (Rejected("order_conflict", 2, "different customer_id"), Rejected("order_conflict", 3),
          Kept("amount", 7.0))),
    Case("mixed currencies without a rate table", "a.csv",
         text(HEADER + ";currency", "001;01.02.2025;5;RUB", "002;01.02.2025;6;USD", "003;01.02.2025;7;руб."),
         (Rejected("other_currency", 3, "currency 'USD'"), Kept("currency", "RUB", 1))),
    # --- text kept as text --------------------------------------------------------------
    Case("leading zeros kept", "a.csv", text(HEADER + ";order_id", "00042;01.02.2025;5;0007"),
         (Kept("customer_id", "00042"), Kept("order_id", "0007"))),
    Case("NA and null are names", "a.csv", text(HEADER + ";customer_name", "null;01.02.2025;5;NA"),
         (Kept("customer_id", "null"), Kept("customer_name", "NA"))),
    Case("script-like name kept verbatim (escaped later, at reporting)", "a.csv",
         text(HEADER + ";customer_name", '001;01.02.2025;5;<img src=x onerror="alert(1)">'),
         (Kept("customer_name", '<img src=x onerror="alert(1)">'),)),
    Case("formula-like text stays text", "a.csv", text(HEADER + ";customer_name", "001;01.02.2025;5;=1+2"),
         (Kept("customer_name", "=1+2"),)),
    Case("is_reference words", "a.csv",
         text(HEADER + ";is_reference", "1;01.02.2025;5;Да", "2;01.02.2025;5;", "3;01.02.2025;5;может"),
         (Kept("is_reference", True), Kept("is_reference", False, 1), Rejected("bad_flag", 4))),
    # --- encodings ----------------------------------------------------------------------
    Case("UTF-8 with BOM and Russian headers", "a.csv",
         b"\xef\xbb\xbf" + text("Код клиента;Дата;Сумма", "001;01.02.2025;1\u00a0000,5"),
         (Kept("amount", 1000.5),), column_map=RU_MAP),
    Case("cp1251 file", "a.csv", text("Код клиента;Дата;Сумма;Клиент", "001;01.02.2025;5;ООО «Ёлка»",
                                      encoding="cp1251"),
         (Kept("customer_name", "ООО «Ёлка»"),), column_map=RU_MAP | {"Клиент": "customer_name"}),
    Case("Latin-1 file is refused", "a.csv", text(HEADER + ";customer_name", "1;01.02.2025;5;José Müller",
                                                  encoding="latin-1"),
         (Fails(r"neither UTF-8 nor Russian cp1251.*Re-save it as UTF-8"),)),
    Case("KOI8-R file is refused", "a.csv", text("Код клиента;Дата;Сумма", "1;01.02.2025;5",
                                                 encoding="koi8-r"),
         (Fails(r"neither UTF-8 nor Russian cp1251"),), column_map=RU_MAP),
    Case("UTF-16 with BOM is refused", "a.csv", text(HEADER, "1;01.02.2025;5", encoding="utf-16"),
         (Fails(r"UTF-16.*re-save it as UTF-8"),)),
    Case("UTF-16 without BOM is refused", "a.csv", text(HEADER, "1;01.02.2025;5", encoding="utf-16-le"),
         (Fails(r"NUL bytes"),)),
    Case("mojibake (UTF-8 read as cp1251, saved again) is refused", "a.csv",
         text("Код клиента;Дата;Сумма", "1;01.02.2025;5").decode("cp1251").encode("utf-8"),
         (Fails(r"garbled \(mojibake\)"),), column_map=RU_MAP),
    Case("declared UTF-8 but cp1251 bytes: the line is rejected, named by line and byte", "a.csv",
         text(HEADER + ";customer_name", "1;01.02.2025;5;Ёж", "2;01.02.2025;6;x", encoding="cp1251"),
         (Rejected("undecodable", 2, "holds byte 0xa8 (character 16) that is not valid utf-8"),
          Kept("customer_id", "2")), source={"encoding": "utf-8"}),
    # --- file formats -------------------------------------------------------------------
    Case("empty file", "a.csv", b"", (Fails(r"the file is empty"),)),
    Case("old .xls is refused", "a.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 60, (Fails(r"not supported"),)),
    Case("workbook saved as .csv", "a.csv", lambda: workbook(("S", [["customer_id"]])),
         (Fails(r"content looks like excel; set source.format: excel"),)),
    Case("Excel named sheet among several", "a.xlsx",
         lambda: workbook(("Notes", [["x"]]), ("Data", [["customer_id", "order_date", "amount"],
                                                        ["007", pd.Timestamp("2025-02-01").to_pydatetime(), 12.5]])),
         (Kept("customer_id", "007"), Kept("order_date", day("2025-02-01")), Kept("source_line", 2)),
         source={"sheet": "Data"}),
    Case("Excel several sheets, none named", "a.xlsx",
         lambda: workbook(("Notes", [["x"]]), ("Data", [["customer_id"]])),
         (Fails(r"2 sheets \('Notes', 'Data'\); set source.sheet"),)),
    Case("Excel unknown sheet name", "a.xlsx", lambda: workbook(("Data", [["customer_id"]])),
         (Fails(r"no sheet named 'Продажи'"),), source={"sheet": "Продажи"}),
    Case("Excel formula without a cached value", "a.xlsx",
         lambda: workbook(("Data", [["customer_id", "order_date", "amount"], ["1", "01.02.2025", "=2*3"],
                                    ["2", "01.02.2025", 4]])),
         (Rejected("formula_without_value", 2, "no computed value"), Kept("amount", 4.0))),
    Case("Excel numeric ids and serial dates", "a.xlsx",
         lambda: workbook(("Data", [["customer_id", "order_date", "amount"], [1001, 45658, "1 234,5"]])),
         (Kept("customer_id", "1001"), Kept("order_date", day("2025-01-01")), Kept("amount", 1234.5)),
         source={"excel_date_columns": ["order_date"]}),
    Case("Excel zip bomb", "a.xlsx",
         lambda: with_part(workbook(("Data", [["customer_id"]])), "xl/worksheets/sheet9.xml", b" " * (20 << 20)),
         (Fails(r"zip bomb"),)),
    Case("Excel XML entity bomb", "a.xlsx",
         lambda: with_part(workbook(("Data", [["customer_id"]])), "xl/worksheets/sheet1.xml",
                           b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                           b'<!ENTITY lol2 "&lol;&lol;&lol;">]><worksheet>&lol2;</worksheet>'),
         (Fails(r"DTD or entities"),)),
    Case("Parquet amount stored as text", "a.parquet",
         lambda: parquet({"customer_id": pa.array(["007"]), "order_date": pa.array(["01.02.2025"]),
                          "amount": pa.array(["1\u00a0234,56"])}),
         (Kept("amount", 1234.56), Kept("source_line", 1))),
    Case("Parquet typed columns (tz timestamp keeps the local day)", "a.parquet",
         lambda: parquet({"customer_id": pa.array([42]),
                          "order_date": pa.array([pd.Timestamp("2025-02-01 23:30", tz="Europe/Moscow")]),
                          "amount": pa.array([9.5])}),
         (Kept("customer_id", "42"), Kept("order_date", day("2025-02-01")), Kept("amount", 9.5))),
    Case("Parquet amount stored as timestamps", "a.parquet",
         lambda: parquet({"customer_id": pa.array(["1"]), "order_date": pa.array(["01.02.2025"]),
                          "amount": pa.array([pd.Timestamp("2025-01-01")])}),
         (Fails(r"'amount' \(mapped to amount\) has Parquet type timestamp.*numbers or text"),)),
    Case("Parquet dates as numbers, not declared", "a.parquet",
         lambda: parquet({"customer_id": pa.array(["1"]), "order_date": pa.array([45658]),
                          "amount": pa.array([1.0])}),
         (Fails(r"excel_date_columns"),)),
    Case("Parquet infinite amount", "a.parquet",
         lambda: parquet({"customer_id": pa.array(["1"]), "order_date": pa.array(["01.02.2025"]),
                          "amount": pa.array([float("inf")])}),
         (Rejected("bad_amount", 1),)),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_file(case: Case, tmp_path) -> None:
    data = case.data() if callable(case.data) else case.data
    (tmp_path / case.name).write_bytes(data)
    params = parse_params({"unit": "hostile", "source": {"paths": [case.name], **(case.source or {})},
                           "column_map": case.column_map or {}}, origin="test")
    failures = [e for e in case.expect if isinstance(e, Fails)]
    if failures:
        with pytest.raises(LoadError) as error:
            load_transactions(params, root=tmp_path)
        message = str(error.value)
        assert message.startswith(case.name + ":"), message
        assert re.search(failures[0].pattern, message, re.DOTALL), message
        return
    loaded = load_transactions(params, root=tmp_path)
    cleaned = clean_transactions(loaded.frame, source=params.source)
    rejected = pd.concat([loaded.rejected, cleaned.rejected], ignore_index=True)
    for expected in case.expect:
        if isinstance(expected, Kept):
            assert cleaned.kept[expected.column].iloc[expected.row] == expected.value
        else:
            rows = rejected[(rejected["source_line"] == expected.line) & (rejected["rule"] == expected.rule)]
            assert len(rows) == 1, rejected[["source_line", "rule", "reason"]]
            assert rows["source_file"].iloc[0] == case.name
            assert expected.says in rows["reason"].iloc[0]
    quality = summarize_quality(loaded, cleaned)
    assert quality["rows_read"] == len(cleaned.kept) + len(rejected)
    assert quality["reconciles"]


def test_battery_is_large_enough() -> None:
    assert len(CASES) >= 40
