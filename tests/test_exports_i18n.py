"""Exports for the people who use them: Russian CSV for Excel, readable XLSX, a list per manager.

A hand-made action list of five customers under three account managers (one row without a
manager, one manager's name a formula) goes through ``write_artifacts`` in Russian and in
English; the files are read back byte by byte and with openpyxl.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from insights.publish.artifacts import write_artifacts
from insights.publish.exports import csv_bytes, slug
from insights.reporting.i18n import set_language

BOM = b"\xef\xbb\xbf"


def _actions() -> pd.DataFrame:
    return pd.DataFrame({
        "customer": ["ООО «Альфа»", "ИП Бета", "АО Гамма", "=HYPERLINK(\"x\")", "ООО Дельта"],
        "customer_id": ["A1", "B2", "C3", "D4", "E5"],
        "revenue_at_stake": [1234567.891, 2500.5, 0.25, 10.0, 99.0],
        "p_alive": [0.5, 0.123456789, 1.0, 0.0, 0.75],
        "recency_days": [10, 200, 35, 400, 5],
        "account_manager": ["Иванов И. И.", "Петрова А. А.", "Иванов И. И.", None, "=cmd|' /C calc'!A0"],
    })  # fmt: skip


@pytest.fixture
def ru():
    set_language("ru")
    yield
    set_language("en")


def test_russian_csv_opens_in_excel_by_double_click(ru, tmp_path):
    write_artifacts(tmp_path, summary={}, tables={"export_attention": _actions()})
    data = (tmp_path / "export_attention.csv").read_bytes()
    assert data.startswith(BOM)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Клиент", "Код клиента", "Выручка под угрозой", "Вероятность, что клиент активен",
                       "Дней с последней покупки", "Менеджер"]  # fmt: skip
    assert len(rows) == 6 and all(len(r) == 6 for r in rows)
    assert rows[1][2] == "1234567,891" and rows[2][3] == "0,1235" and rows[1][4] == "10"
    assert b";1234567,891;" in data  # numbers bare (a number to Excel), text quoted
    assert rows[4][0] == "'=HYPERLINK(\"x\")"  # still no live formula


def test_english_csv_keeps_its_format():
    data = csv_bytes(pd.DataFrame({"name": ["A; B"], "x": [0.25]}))
    assert data == BOM + b'"name","x"\r\n"A; B",0.25\r\n'


def test_one_list_per_account_manager_as_csv_files_and_sheets(ru, tmp_path):
    written = write_artifacts(tmp_path, summary={}, tables={"export_attention": _actions()})
    names = sorted(p.name for p in written if p.name.startswith("export_attention__"))
    assert names == ["export_attention__bez-menedzhera.csv", "export_attention__cmd-c-calc-a0.csv",
                     "export_attention__ivanov-i-i.csv", "export_attention__petrova-a-a.csv"]  # fmt: skip
    ivanov = (tmp_path / "export_attention__ivanov-i-i.csv").read_bytes().decode("utf-8-sig")
    assert "Альфа" in ivanov and "Гамма" in ivanov and "Бета" not in ivanov
    book = openpyxl.load_workbook(tmp_path / "export_attention.xlsx")
    # a sheet name is never evaluated; "/" is not allowed in one, nor a leading quote
    assert book.sheetnames == ["Все", "=cmd|'  C calc'!A0", "Иванов И. И.", "Петрова А. А.", "Без менеджера"]
    assert book["Иванов И. И."].max_row == 3  # header + two customers
    assert sum(book[s].max_row - 1 for s in book.sheetnames[1:]) == len(_actions())  # every row once


def test_xlsx_has_readable_headers_formats_frozen_header_and_filter(ru, tmp_path):
    write_artifacts(tmp_path, summary={}, tables={"export_attention": _actions()})
    sheet = openpyxl.load_workbook(tmp_path / "export_attention.xlsx")["Все"]
    assert [c.value for c in sheet[1]][:3] == ["Клиент", "Код клиента", "Выручка под угрозой"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:F6"
    assert sheet["C2"].value == pytest.approx(1234567.891) and sheet["C2"].number_format == "#,##0.00"
    assert sheet["D2"].number_format == "0.0%" and sheet["E2"].number_format == "#,##0"
    assert sheet.column_dimensions["A"].width >= len("ООО «Альфа»")
    formulas = [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == [] and sheet["A5"].value.startswith("'=")


def test_exports_are_byte_identical_on_rerun(ru, tmp_path):
    first = {p.name: p.read_bytes() for p in write_artifacts(tmp_path / "a", summary={}, tables={"export_attention": _actions()})}
    second = {p.name: p.read_bytes() for p in write_artifacts(tmp_path / "b", summary={}, tables={"export_attention": _actions()})}
    assert first == second and len(first) == 7  # summary, csv, xlsx, four managers


def test_english_exports_keep_canonical_csv_headers_and_split_too(tmp_path):
    written = write_artifacts(tmp_path, summary={}, tables={"export_attention": _actions(), "quarantine": _actions()})
    head = (tmp_path / "export_attention.csv").read_bytes().decode("utf-8-sig").splitlines()[0]
    assert head.startswith('"customer","customer_id"')
    assert "quarantine__none.csv" not in {p.name for p in written}  # only export_* lists are split
    sheet = openpyxl.load_workbook(tmp_path / "export_attention.xlsx")["All"]
    assert sheet["A1"].value == "Customer" and sheet.freeze_panes == "A2"


def test_slugs_never_carry_a_path():
    assert slug("../../etc/passwd") == "etc-passwd"
    assert slug("Щукина Ё.") == "shchukina-e"
    assert "/" not in slug("a/b\\c") and slug("***") == "none"


def _csv_module_bytes(frame: pd.DataFrame, *, separator: str, decimal: str) -> bytes:
    """The csv module's writer, cell by cell: what the column-wise ``csv_bytes`` must equal."""
    from insights.publish.exports import _cell, _local_cell

    cell = _cell if decimal == "." else _local_cell
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow([str(c) for c in frame.columns])
    for record in frame.itertuples(index=False, name=None):
        writer.writerow([cell(v) for v in record])
    return buffer.getvalue().encode("utf-8-sig")


def _every_kind_of_column(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    dates = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 900, n), "D")
    frame = pd.DataFrame({
        "text": rng.choice(['ООО "Альфа"', "a;b", "x,y", "'=1", "", "two\r\nlines", None], n),
        "string": pd.array(rng.choice(["p", None, "Иван"], n), dtype="string"),
        "int": rng.integers(-10**12, 10**12, n),
        "small": rng.integers(0, 5, n).astype("uint8"),
        "amount": rng.normal(0, 1e6, n) * rng.choice([1.0, 1e-9, 1e12, np.nan, np.inf, -0.0], n),
        "flag": rng.random(n) > 0.5,
        "date": dates + pd.to_timedelta(rng.choice([0, 3600], n), "s"),
        "mixed": pd.Series(rng.choice([1, 2.5, "t", None, np.nan, True], n), dtype=object),
        "nullable": pd.array(rng.choice([1, None], n), dtype="Int64"),
        "category": pd.Categorical(rng.choice(["u", "v"], n)),
        "single": rng.normal(size=n).astype("float32"),
    })  # fmt: skip
    frame.loc[3, "date"] = pd.NaT
    return frame


@pytest.mark.parametrize("style", [(",", "."), (";", ",")], ids=["en", "ru"])
def test_column_wise_csv_equals_the_csv_writer_cell_by_cell(style):
    separator, decimal = style
    frame = _every_kind_of_column(3_000)
    for part in (frame, frame.iloc[:0], frame[["text"]], frame[["amount"]], frame.iloc[:4, :0]):
        data = csv_bytes(part, separator=separator, decimal=decimal)
        assert data == _csv_module_bytes(part, separator=separator, decimal=decimal)
    rows = list(csv.reader(io.StringIO(csv_bytes(frame, separator=separator, decimal=decimal)
                                       .decode("utf-8-sig"), newline=""), delimiter=separator))
    assert len(rows) == len(frame) + 1 and {len(r) for r in rows} == {frame.shape[1]}
    assert rows[1:][5][0] == ("" if frame["text"][5] is None else frame["text"][5])
