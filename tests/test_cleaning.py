"""Cleaning: value parsers and clean_transactions on tiny hand-built frames.

Every expected number below was worked out by hand from the input strings (e.g.
'1 234,56' with a decimal comma = 1234 + 56/100 = 1234.56; Excel serial 45658 = 45658 days
after 1899-12-30 = 2025-01-01, since serial 45292 is 2024-01-01 and 2024 has 366 days).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from unittest import mock

import numpy as np
import pandas as pd
import pytest

import insights.cleaning.transactions as cleaning_module
from insights.cleaning import (
    QUARANTINE_COLUMNS,
    REJECT_RULES,
    clean_transactions,
    summarize_quality,
)
from insights.cleaning import values as values_module
from insights.cleaning.values import (
    _parse_numbers_slow,
    parse_dates,
    parse_flags,
    parse_numbers,
)
from insights.params import SourceParams
from insights.schema import ContractError

SOURCE = SourceParams(paths=["a.csv"])


def raw_frame(**columns) -> pd.DataFrame:
    """Return a loaded-like frame: text columns plus lineage (lines 2, 3, ...)."""
    n = len(next(iter(columns.values())))
    frame = pd.DataFrame({k: pd.Series(v, dtype="str") for k, v in columns.items()})
    frame["source_file"] = "a.csv"
    frame["source_line"] = np.arange(2, n + 2, dtype="int64")
    return frame


# --- numbers ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1 234,56", 1234.56),
        ("1\u00a0234\u00a0567,89", 1234567.89),
        ("1\u202f234,5", 1234.5),
        ("\u22121 234,56", -1234.56),
        ("(123,45)", -123.45),
        ("123,45-", -123.45),
        ("\u2013 50", -50.0),
        ("1 234,56 \u20bd", 1234.56),
        ("₽ -10", -10.0),
        ("(1 000 руб.)", -1000.0),
        ("+5", 5.0),
        (",5", 0.5),
        ("0", 0.0),
    ],
)
def test_parse_numbers_decimal_comma(value, expected):
    parsed = parse_numbers(pd.Series([value], dtype="str"), decimal=",", thousands="auto")
    assert parsed.values.iloc[0] == pytest.approx(expected)
    assert not parsed.invalid.iloc[0]


@pytest.mark.parametrize("value", ["н/д", "12 34", "1,2,3", "--5", "(-5)", "1.5.2", "abc", "5 $ €"])
def test_parse_numbers_rejects_garbage(value):
    parsed = parse_numbers(pd.Series([value], dtype="str"), decimal=",", thousands="auto")
    assert parsed.invalid.iloc[0] and np.isnan(parsed.values.iloc[0])


def test_parse_numbers_reports_currency_marks():
    parsed = parse_numbers(pd.Series(["100 руб.", "$5", "7 EUR", "9"], dtype="str"), decimal=",")
    assert parsed.currency.tolist()[:3] == ["RUB", "USD", "EUR"]
    assert pd.isna(parsed.currency.iloc[3])


def test_parse_numbers_auto_decimal_follows_the_values():
    # '12,5' and '0,25' only fit a decimal comma, so '1.234' is read with '.' as thousands
    comma = parse_numbers(pd.Series(["12,5", "0,25", "1.234"], dtype="str"))
    assert comma.values.tolist() == [12.5, 0.25, 1234.0]
    assert "comma" in comma.note
    point = parse_numbers(pd.Series(["12.5", "1,234.5"], dtype="str"))
    assert point.values.tolist() == [12.5, 1234.5]
    # nothing decides: a lone group of three digits is a thousands group
    alone = parse_numbers(pd.Series(["1,234", "7"], dtype="str"))
    assert alone.values.tolist() == [1234.0, 7.0]


def test_parse_numbers_explicit_decimal_point_refuses_comma():
    parsed = parse_numbers(pd.Series(["1234,56", "1,234.5"], dtype="str"), decimal=".")
    assert parsed.invalid.tolist() == [True, False]
    assert parsed.values.iloc[1] == 1234.5


def test_parse_numbers_typed_cells():
    cells = pd.Series([12.5, 3, "1 000,5", None, True, dt.datetime(2025, 1, 1)], dtype="object")
    parsed = parse_numbers(cells, decimal=",")
    assert parsed.values.iloc[:3].tolist() == [12.5, 3.0, 1000.5]
    assert parsed.empty.tolist() == [False, False, False, True, False, False]
    assert parsed.invalid.tolist() == [False, False, False, False, True, True]


# --- bulk number path = per-value path ------------------------------------------------

_SEPARATORS = [" ", "\u00a0", "\u202f", "\u2009", "\u2007", "'", "\u2019", ",", "."]
_SIGNS = [("", ""), ("-", ""), ("\u2212", ""), ("\u2013", ""), ("\uff0d", ""), ("+", ""),
          ("(", ")"), ("", "-"), ("", "\u2212"), ("--", ""), ("+-", ""), ("-+", ""),
          ("(-", ")"), ("- ", ""), ("-\u00a0", ""), ("-", "-"), ("+", "-"), ("(", "-"),
          ("(", ""), ("", ")"), ("$", ""), ("", " руб."), ("₽ -", ""), ("", " EUR")]
_JUNK = ["", "abc", "н/д", "1e5", "inf", "nan", "NaN", "1..2", "1,,2", "'5", "5'", ",", ".",
         "-", "+", "()", "(5", "5)", "1 23", "12 34", "\u0661\u0662\u0663", "\uff11\uff12\uff13",
         "-\uff15", "\u0661\u0662,\u0665 руб", "9" * 400, "-" + "9" * 400 + ",5", "-0", "0,0",
         "-0.0", "(0)", "0-", "1 234 567", "1_000", "5 $ €", "1\n2", "1.5.2", "1,2,3"]


def _random_number(rng: np.random.Generator) -> str:
    """Return a random number text: grouped or not, either decimal mark, any sign shape."""
    digits = "".join(rng.choice(list("0123456789"), rng.integers(1, 12)))
    if rng.random() < 0.2:
        digits = digits.lstrip("0") or "0"
    if rng.random() < 0.5:  # thousands groups (sometimes malformed: a group of 2 or 4)
        sep = str(rng.choice(_SEPARATORS))
        groups = [digits[max(i - 3, 0):i] for i in range(len(digits), 0, -3)][::-1]
        if rng.random() < 0.1:
            groups.append(str(rng.integers(0, 10000)))
        digits = sep.join(groups)
    mark = str(rng.choice([".", ","]))
    if rng.random() < 0.6:
        digits += mark + "".join(rng.choice(list("0123456789"), rng.integers(1, 25)))
    elif rng.random() < 0.05:
        digits = mark + str(rng.integers(0, 100))
    lead, trail = _SIGNS[rng.integers(0, len(_SIGNS))] if rng.random() < 0.5 else ("", "")
    return lead + digits + trail


def _random_column(rng: np.random.Generator, size: int) -> pd.Series:
    """Return a column of random numbers in one style plus some junk."""
    values = [str(rng.choice(_JUNK)) if rng.random() < 0.1 else _random_number(rng)
              for _ in range(size)]
    return pd.Series(values, dtype="str")


def _same_parse(fast, slow) -> bool:
    """Return True when two Parsed results are identical, down to -0.0 and None vs NaN."""
    a, b = fast.values.to_numpy(), slow.values.to_numpy()
    return (np.array_equal(a, b, equal_nan=True) and np.array_equal(np.signbit(a), np.signbit(b))
            and fast.empty.equals(slow.empty) and fast.invalid.equals(slow.invalid)
            and [repr(c) for c in fast.currency] == [repr(c) for c in slow.currency]
            and fast.note == slow.note)


@pytest.fixture(scope="module")
def random_number_columns() -> list[pd.Series]:
    """Return seeded random columns of 1 to 3000 number texts (a few thousand in all)."""
    rng = np.random.default_rng(20261123)
    return [_random_column(rng, size) for size in (1, 3, 40, 3000)]


@pytest.mark.parametrize(
    ("decimal", "thousands"),
    [("auto", "auto"), (",", "auto"), (".", "auto"), ("auto", " "), ("auto", "'"),
     (",", "."), (".", ","), (",", ""), (".", "\u00a0")],
)
def test_parse_numbers_bulk_path_equals_per_value_path(random_number_columns, decimal,
                                                       thousands):
    # property: for random number texts in every supported shape plus junk, the vectorised
    # path gives exactly what the per-value reference path gives (values, sign of zero,
    # empty/invalid masks, currency marks, notes); columns of different sizes vary what
    # the automatic decimal detection decides
    for column in random_number_columns:
        fast = parse_numbers(column, decimal=decimal, thousands=thousands)
        slow = _parse_numbers_slow(column, decimal=decimal, thousands=thousands)
        assert _same_parse(fast, slow), (decimal, thousands, len(column))


def test_parse_numbers_bulk_path_takes_the_plain_values():
    # every value below is a plain shape, so none reaches the per-value parser
    values = pd.Series(["1 234,5", "\u22121\u00a0234,5", "(7,25)", "12,5-", "+3", ",5"],
                       dtype="str")
    with mock.patch.object(values_module, "_parse_odd", side_effect=AssertionError):
        parsed = parse_numbers(values)
    # by hand: 1234.5, -1234.5, -7.25, -12.5, 3, 0.5 (a decimal comma: '12,5' fits only it)
    assert parsed.values.tolist() == [1234.5, -1234.5, -7.25, -12.5, 3.0, 0.5]


def test_clean_rejects_alike_with_the_bulk_and_per_value_number_paths(monkeypatch):
    rng = np.random.default_rng(7)
    amounts = _random_column(rng, 400).tolist()
    raw = raw_frame(customer_id=[f"C{i}" for i in range(400)], order_date=["01.02.2025"] * 400,
                    amount=amounts, cost=amounts[::-1])
    fast = clean_transactions(raw, source=SOURCE)
    monkeypatch.setattr(cleaning_module, "parse_numbers", _parse_numbers_slow)
    slow = clean_transactions(raw, source=SOURCE)
    pd.testing.assert_frame_equal(fast.rejected, slow.rejected)
    pd.testing.assert_frame_equal(fast.kept, slow.kept)
    assert fast.notes == slow.notes and (fast.rejected["reason"] != "").all()


# --- dates -----------------------------------------------------------------------------

def test_parse_dates_day_first_iso_and_times():
    values = pd.Series(["01.02.2025", "2025-02-03", "04.02.2025 23:59:59", "2025-02-05T10:00:00Z",
                        "6.2.25", "07/02/2025", "", "31.02.2025"], dtype="str")
    parsed = parse_dates(values)
    expected = ["2025-02-01", "2025-02-03", "2025-02-04", "2025-02-05", "2025-02-06", "2025-02-07"]
    assert parsed.values.iloc[:6].tolist() == [pd.Timestamp(d) for d in expected]
    assert parsed.empty.tolist() == [False] * 6 + [True, False]
    assert parsed.invalid.tolist() == [False] * 7 + [True]


def test_parse_dates_month_first_when_asked():
    assert parse_dates(pd.Series(["02/01/2025"]), dayfirst=False).values.iloc[0] == pd.Timestamp("2025-02-01")
    explicit = parse_dates(pd.Series(["02/01/2025", "01.02.2025"]), date_format="%m/%d/%Y")
    assert explicit.values.iloc[0] == pd.Timestamp("2025-02-01")
    assert explicit.invalid.tolist() == [False, True]


def test_parse_dates_excel_serials_only_when_declared():
    values = pd.Series(["45658", "45658,75", "01.02.2025"], dtype="str")
    declared = parse_dates(values, excel_serial=True)
    assert declared.values.tolist() == [pd.Timestamp("2025-01-01")] * 2 + [pd.Timestamp("2025-02-01")]
    assert parse_dates(values).invalid.tolist() == [True, True, False]
    typed = parse_dates(pd.Series([45658.0, 1.0]), excel_serial=True)
    assert typed.values.tolist() == [pd.Timestamp("2025-01-01"), pd.Timestamp("1899-12-31")]


def test_parse_dates_typed_cells_and_tz():
    cells = pd.Series([dt.datetime(2025, 2, 1, 15, 30), dt.date(2025, 2, 2), "03.02.2025"], dtype="object")
    assert parse_dates(cells).values.tolist() == [pd.Timestamp(f"2025-02-0{d}") for d in (1, 2, 3)]
    aware = pd.Series(pd.to_datetime(["2025-02-01 23:30"]).tz_localize("Europe/Moscow"))
    assert parse_dates(aware).values.iloc[0] == pd.Timestamp("2025-02-01")


def test_parse_flags():
    parsed = parse_flags(pd.Series(["Да", "нет", "", "yes", "FALSE", "1", "0", "может"], dtype="str"))
    assert parsed.values.tolist() == [True, False, False, True, False, True, False, False]
    assert parsed.invalid.tolist() == [False] * 7 + [True]


# --- clean_transactions -----------------------------------------------------------------

def test_clean_types_and_lineage():
    raw = raw_frame(customer_id=[" 007 ", "008"], order_date=["01.02.2025", "2025-02-02 10:00"],
                    amount=["1 234,56", "(10,00)"], customer_name=["NA", "  ООО Ромашка "],
                    is_reference=["да", ""])
    kept = clean_transactions(raw, source=SOURCE).kept
    assert kept["customer_id"].tolist() == ["007", "008"]
    assert kept["customer_name"].tolist() == ["NA", "ООО Ромашка"]
    assert kept["amount"].tolist() == [1234.56, -10.0]
    assert kept["order_date"].tolist() == [pd.Timestamp("2025-02-01"), pd.Timestamp("2025-02-02")]
    assert kept["is_reference"].tolist() == [True, False]
    assert str(kept["order_date"].dtype) == "datetime64[ns]"
    assert kept["amount"].dtype == "float64" and kept["is_reference"].dtype == bool
    assert kept["source_line"].tolist() == [2, 3]
    assert list(kept.columns) == ["customer_id", "order_date", "amount", "customer_name",
                                  "is_reference", "source_file", "source_line"]


def test_clean_rejects_with_reasons_and_reconciles():
    raw = raw_frame(
        customer_id=["1", "", "2", "3", "Итого", "4", "5"],
        order_date=["01.02.2025", "01.02.2025", "x", "01.02.2027", "", "01.02.2025", "01.02.1985"],
        amount=["10", "20", "30", "40", "100", "н/д", "50"],
    )
    source = SourceParams(paths=["a.csv"], export_date=dt.date(2026, 10, 1))
    result = clean_transactions(raw, source=source)
    rejected = result.rejected
    assert list(rejected.columns[: len(QUARANTINE_COLUMNS)]) == list(QUARANTINE_COLUMNS)
    assert rejected["rule"].tolist() == ["missing_customer_id", "bad_date", "date_in_future",
                                         "total_row", "bad_amount", "date_too_old"]
    assert rejected["source_line"].tolist() == [3, 4, 5, 6, 7, 8]
    assert rejected.loc[4, "reason"] == "amount 'н/д' is not a number"
    assert rejected.loc[4, "raw_value"] == "н/д" and rejected.loc[4, "column"] == "amount"
    assert rejected.loc[1, "reason"] == "order_date 'x' is not a date"
    assert set(rejected["rule"]) <= set(REJECT_RULES)
    # rows and amounts reconcile: 10 kept; 20+30+40+100+50 rejected where parseable
    assert result.rows_in == len(result.kept) + len(rejected) == 7
    assert result.amount_in == 250.0
    assert rejected["amount_value"].sum() == 240.0 and result.kept["amount"].sum() == 10.0
    assert rejected["amount"].tolist()[-2:] == ["н/д", "50"]  # original values follow


def test_clean_total_row_needs_an_empty_customer_or_date():
    raw = raw_frame(customer_id=["1", "", "2"], order_date=["01.02.2025", "", "01.02.2025"],
                    amount=["5", "5", "7"], customer_name=["Total Motors", "Total:", "Всего хорошего"])
    result = clean_transactions(raw, source=SOURCE)
    assert result.rejected["rule"].tolist() == ["total_row"]
    assert result.kept["customer_name"].tolist() == ["Total Motors", "Всего хорошего"]


def test_clean_duplicates_keep_the_first_copy():
    raw = raw_frame(customer_id=["1", "1", "1", "2"], order_date=["01.02.2025"] * 4,
                    amount=["5", "5,0", "6", "5"], order_id=["A", "A", "A", "B"])
    result = clean_transactions(raw, source=SOURCE)
    # '5' and '5,0' parse to the same amount: line 3 repeats line 2
    assert result.rejected["rule"].tolist() == ["duplicate_row"]
    assert result.rejected["source_line"].tolist() == [3]
    assert "line 2" in result.rejected["reason"].iloc[0]
    assert result.kept["source_line"].tolist() == [2, 4, 5]


def test_clean_order_conflicts_depend_on_the_grain():
    raw = raw_frame(customer_id=["1", "1", "2", "3"], order_date=["01.02.2025"] * 4,
                    amount=["5", "6", "7", "7"], order_id=["A", "A", "B", "B"])
    lines = clean_transactions(raw, source=SOURCE)
    assert lines.rejected["source_line"].tolist() == [4, 5]
    assert "different customer_id" in lines.rejected["reason"].iloc[0]
    orders = clean_transactions(raw, source=SourceParams(paths=["a"], grain="order"))
    assert orders.rejected["source_line"].tolist() == [2, 3, 4, 5]
    assert "order 'A' has 2 rows (first on line 2) with different amount" in orders.rejected["reason"].iloc[0]


def test_clean_currency_column_and_marks():
    raw = raw_frame(customer_id=["1", "2", "3", "4"], order_date=["01.02.2025"] * 4,
                    amount=["5", "6", "7 USD", "8"], currency=["RUB", "USD", "", "руб."])
    result = clean_transactions(raw, source=SOURCE)
    assert result.rejected["rule"].tolist() == ["other_currency", "other_currency"]
    assert result.rejected["column"].tolist() == ["currency", "amount"]
    assert result.kept["currency"].tolist() == ["RUB", "RUB"]


def test_clean_optional_numbers_and_flags():
    raw = raw_frame(customer_id=["1", "2", "3"], order_date=["01.02.2025"] * 3, amount=["5"] * 3,
                    cost=["1,5", "", "x"], is_reference=["нет", "да", "нет"])
    result = clean_transactions(raw, source=SOURCE)
    assert result.rejected["rule"].tolist() == ["bad_number"]
    assert result.rejected["reason"].iloc[0] == "cost 'x' is not a number"
    assert result.kept["cost"].iloc[0] == 1.5 and np.isnan(result.kept["cost"].iloc[1])


def test_clean_typed_excel_like_cells():
    raw = pd.DataFrame({"customer_id": pd.Series([1001.0, "007"], dtype="object"),
                        "order_date": pd.Series([dt.datetime(2025, 2, 1, 9), "02.02.2025"], dtype="object"),
                        "amount": pd.Series([12.5, "1 000,5"], dtype="object"),
                        "source_file": "a.xlsx", "source_line": [2, 3]})
    kept = clean_transactions(raw, source=SOURCE).kept
    assert kept["customer_id"].tolist() == ["1001", "007"]
    assert kept["amount"].tolist() == [12.5, 1000.5]
    assert kept["order_date"].tolist() == [pd.Timestamp("2025-02-01"), pd.Timestamp("2025-02-02")]


def test_clean_does_not_mutate_input():
    raw = raw_frame(customer_id=[" 1", ""], order_date=["01.02.2025", "x"], amount=["1 234,5", "5"])
    before = raw.copy(deep=True)
    clean_transactions(raw, source=SOURCE)
    pd.testing.assert_frame_equal(raw, before)


def test_clean_empty_frame():
    raw = raw_frame(customer_id=[], order_date=[], amount=[])
    result = clean_transactions(raw, source=SOURCE)
    assert len(result.kept) == 0 and len(result.rejected) == 0
    assert list(result.kept.columns[:3]) == ["customer_id", "order_date", "amount"]
    assert str(result.kept["order_date"].dtype) == "datetime64[ns]"


def test_clean_checks_its_contract():
    with pytest.raises(ContractError, match="order_date"):
        clean_transactions(pd.DataFrame({"customer_id": ["1"], "amount": ["1"]}), source=SOURCE)


# --- summarize_quality -----------------------------------------------------------------

def test_summarize_quality_counts_and_amounts():
    raw = raw_frame(customer_id=["1", "", "2", "2"], order_date=["01.02.2025"] * 4,
                    amount=["10", "20", "30", "30"])
    cleaned = clean_transactions(raw, source=SOURCE.model_copy(update={"duplicates": "drop"}))
    structural = pd.DataFrame({c: ["x"] for c in QUARANTINE_COLUMNS})
    structural["rule"], structural["amount_value"] = "too_many_fields", np.nan
    loaded = SimpleNamespace(frame=raw, rejected=structural,
                             sources=[{"path": "a.csv", "rows_read": 5, "notes": []}])
    quality = summarize_quality(loaded, cleaned)
    assert quality["rows_read"] == 5
    assert (quality["rows_kept"], quality["rows_rejected"]) == (2, 3)
    assert (quality["rows_rejected_loading"], quality["rows_rejected_cleaning"]) == (1, 2)
    assert (quality["amount_read"], quality["amount_kept"], quality["amount_rejected"]) == (90, 40, 50)
    by_rule = {r["rule"]: (r["rows"], r["amount"]) for r in quality["rejected_by_reason"]}
    assert by_rule == {"missing_customer_id": (1, 20.0), "duplicate_row": (1, 30.0),
                       "too_many_fields": (1, None)}
    assert quality["unknown_customer_share"] == pytest.approx(1 / 5)
    assert quality["reconciles"] is True


def test_summarize_quality_detects_lost_rows():
    raw = raw_frame(customer_id=["1", "2"], order_date=["01.02.2025"] * 2, amount=["10", "20"])
    cleaned = clean_transactions(raw, source=SOURCE)
    empty = pd.DataFrame(columns=list(QUARANTINE_COLUMNS))
    loaded = SimpleNamespace(frame=raw, rejected=empty, sources=[{"path": "a.csv", "rows_read": 3}])
    assert summarize_quality(loaded, cleaned)["reconciles"] is False


def test_unit_currency_may_be_written_as_a_mark():
    raw = raw_frame(customer_id=["1", "2"], order_date=["01.02.2025"] * 2, amount=["5 ₽", "6 $"],
                    currency=["RUB", "RUB"])
    result = clean_transactions(raw, source=SourceParams(paths=["a"], currency="руб."))
    assert result.kept["amount"].tolist() == [5.0]
    assert "not in the unit's currency RUB" in result.rejected["reason"].iloc[0]


def test_explicit_date_format_still_accepts_iso():
    parsed = parse_dates(pd.Series(["01.02.2025", "2025-02-03", "02/01/2025"]), date_format="%d.%m.%Y")
    assert parsed.values.iloc[:2].tolist() == [pd.Timestamp("2025-02-01"), pd.Timestamp("2025-02-03")]
    assert parsed.invalid.tolist() == [False, False, True]


def test_source_params_refuse_equal_separators():
    with pytest.raises(ValueError, match="must differ"):
        SourceParams(paths=["a"], decimal=",", thousands=",")


def test_source_params_refuse_unknown_excel_date_columns():
    with pytest.raises(ValueError, match="allowed: order_date"):
        SourceParams(paths=["a"], excel_date_columns=["Дата"])
