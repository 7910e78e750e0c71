"""Cleaning's bulk paths give exactly what the per-value reference paths give.

Property tests in the style of ``test_cleaning.test_parse_numbers_bulk_path_equals_per_value_path``:
seeded random messy values (dates in every shape the cleaner accepts or rejects, numbers in
the common shapes plus strays, duplicate and conflicting rows) go through the fast path and
the reference path, which must agree exactly. The references are the per-value parsers
(``_parse_dates_slow``, ``_parse_numbers_slow``, ``pd.to_numeric``) and, for duplicates and
order conflicts, the plain pandas definitions below (``duplicated`` and a groupby
``nunique``), which is what cleaning computed before the hashing shortcut.
"""

from __future__ import annotations

import datetime as dt
from unittest import mock

import numpy as np
import pandas as pd
import pytest

import insights.cleaning.transactions as cleaning_module
from insights.cleaning import clean_transactions, readings
from insights.cleaning import duplicates as duplicates_module
from insights.cleaning import values as values_module
from insights.cleaning.dates import _parse_dates_slow, parse_dates
from insights.cleaning.duplicates import find_conflicts, find_repeats
from insights.cleaning.values import _parse_numbers_slow, _to_float, parse_numbers
from insights.params import SourceParams

# --- dates -------------------------------------------------------------------------------

_DATE_SHAPES = ["{Y}-{m}-{d}", "{Y}.{m}.{d}", "{Y}/{m}/{d}", "{d}.{m}.{Y}", "{d}.{m}.{y}",
                "{d}/{m}/{Y}", "{d}/{m}/{y}", "{d}-{m}-{Y}", "{d}-{m}-{y}", "{Y}{m}{d}",
                "{m}/{d}/{Y}", "{d}.{m}.{Y}.", "{d} {m} {Y}", "{Y}-{m}"]
_TIMES = ["", "", "", "", " 10:00", "T10:00:00", "T10:00:00Z", " 23:59:59.123", " 1:02",
          "T10:00:00+03:00", " 10:00 +0300", "  10:00", "\u00a010:00", " 25:61", "T10:00:00,5-0500",
          " 10", " 10:00:00:00", "T", " 10:00:00 Z", "T10:00:00+0300 ", " 10:00\u00a0"]
_EDGE_YEARS = [0, 1, 99, 999, 1000, 1677, 1678, 1899, 1900, 1968, 1969, 1970, 1999, 2000, 2024,
               2068, 2069, 2100, 2261, 2262, 9999, 10000]
_DATE_JUNK = ["", " ", "\u00a0", "\u200b", "x", "45658", "45658,5", "45658.25", "1", "0",
              "2958466", "-5", "2025-02-01x", "x2025-02-01", "\u0661\u0662.\u0660\u0662.2025",
              "\uff10\uff11.02.2025", "01.02.２０２５", "2025-02-01\n", "2025--02-01", "01..02.2025",
              "31.12.1899", "29.02.2024", "29.02.2023", "29.02.2100", "29.02.2000", "31.04.2025",
              "2025-02-01 10:00", "01.02.2025 0:00:00", "2025-02-01T00:00:00.000Z", "5.2.25",
              "05.02.25", "2025-13-01", "2025-00-10", "00.00.0000", "1.1.1", "2025", "Итого"]


def _random_date(rng: np.random.Generator) -> str:
    """Return a random date text: any shape, padded or not, valid or not, maybe a time."""
    year = int(rng.choice(_EDGE_YEARS)) if rng.random() < 0.15 else int(rng.integers(1960, 2080))
    month = int(rng.integers(1, 13)) if rng.random() < 0.9 else int(rng.choice([0, 13, 99]))
    day = int(rng.integers(1, 32)) if rng.random() < 0.9 else int(rng.choice([0, 32, 99]))
    pad = rng.random() < 0.85
    parts = {"Y": f"{year:04d}", "y": f"{year % 100:02d}",
             "m": f"{month:02d}" if pad else str(month), "d": f"{day:02d}" if pad else str(day)}
    text = str(rng.choice(_DATE_SHAPES)).format(**parts) + str(rng.choice(_TIMES))
    if rng.random() < 0.05:
        text = str(rng.choice([" ", "\u00a0", "\ufeff"])) + text + str(rng.choice(["", " "]))
    return text


def _random_dates(rng: np.random.Generator, size: int) -> pd.Series:
    values = [str(rng.choice(_DATE_JUNK)) if rng.random() < 0.1 else _random_date(rng)
              for _ in range(size)]
    return pd.Series(values, dtype="str")


@pytest.fixture(scope="module")
def random_date_columns() -> list[pd.Series]:
    """Return seeded random date columns of 1 to 4000 texts."""
    rng = np.random.default_rng(20261124)
    columns = [_random_dates(rng, size) for size in (1, 5, 300, 4000)]
    # a column in one clean shape (the common case), with a few strays at the end
    clean = [f"{d:02d}.{m:02d}.{y}" for y, m, d in zip(rng.integers(1990, 2030, 2000),
                                                           rng.integers(1, 13, 2000),
                                                           rng.integers(1, 29, 2000), strict=True)]
    columns.append(pd.Series(clean + ["31.02.2025", "1.2.2025", ""], dtype="str"))
    return columns


def _assert_same_dates(fast, slow) -> None:
    pd.testing.assert_series_equal(fast.values, slow.values, check_exact=True)
    pd.testing.assert_series_equal(fast.empty, slow.empty)
    pd.testing.assert_series_equal(fast.invalid, slow.invalid)


@pytest.mark.parametrize(
    ("date_format", "dayfirst", "excel_serial"),
    [(None, True, False), (None, False, False), (None, True, True), ("%d.%m.%Y", True, False),
     ("%Y-%m-%d", True, False), ("%m/%d/%Y", False, False), ("%d.%m.%y", True, False),
     ("%Y%m%d", True, True), ("%d-%m-%Y", True, False), ("%d.%m.%Y %H:%M", True, False),
     ("%d %B %Y", True, False), ("%d.%m.%Y.", True, False), ("%Y-%d-%m", True, False)],
)
def test_parse_dates_bulk_path_equals_per_format_path(random_date_columns, date_format, dayfirst,
                                                      excel_serial):
    # property: for random date texts in every shape (padded or not, with times, impossible
    # days, edge years, whitespace, non-ASCII digits, serials) the bulk path gives exactly
    # what reading every text one format at a time gives: dates, empty and invalid masks
    for column in random_date_columns:
        kwargs = {"date_format": date_format, "dayfirst": dayfirst, "excel_serial": excel_serial}
        _assert_same_dates(parse_dates(column, **kwargs), _parse_dates_slow(column, **kwargs))


def test_parse_dates_bulk_path_takes_fixed_width_texts():
    # every text below is a real day in a fixed-width shape: none reaches the per-format path
    values = pd.Series(["01.02.2025", "2025-02-03", "04.02.25 10:00", "2025-02-05T10:00:00Z",
                        "06/02/2025"], dtype="str")
    with mock.patch("insights.cleaning.dates._parse_text_dates", side_effect=AssertionError):
        parsed = parse_dates(values)
    expected = ["2025-02-01", "2025-02-03", "2025-02-04", "2025-02-05", "2025-02-06"]
    assert parsed.values.tolist() == [pd.Timestamp(d) for d in expected]


def test_parse_dates_bulk_path_with_typed_cells_and_a_repeated_index():
    cells = pd.Series([dt.datetime(2025, 2, 1, 15, 30), "02.02.2025", None, "31.02.2025",
                       dt.date(2025, 2, 3), "2025-02-04", 45658], dtype="object",
                      index=[0, 0, 1, 1, 2, 2, 3])
    for serial in (False, True):
        _assert_same_dates(parse_dates(cells, excel_serial=serial),
                           _parse_dates_slow(cells, excel_serial=serial))


# --- numbers: the common-shape path and the float cast ------------------------------------

_SPACE_CHARS = [" ", "\u00a0", "\u202f", "\u2009", "\u2007"]
_STRAYS = ["1,5", "1.5", "1 234,5", "1,234.5", "abc", "(5)", "5-", "+5", "5 руб.", "$5", ",5",
           ".5", "1'234", "\u0661\u0662", "1e5", "--5", "-", "99999999999999999999", "1 23"]


def _common_number(rng: np.random.Generator, mark: str, space: str) -> str:
    """Return a random number in one reading's common shape (or an edge case of it)."""
    if rng.random() < 0.08:
        return str(rng.choice(["0", "-0", f"-0{mark}0", "007", "-00", f"0{mark}000", f"-0{mark}5",
                               "9" * 15, "9" * 16, "9" * 19, "-" + "9" * 20, f"1{mark}" + "5" * 20]))
    digits = "".join(rng.choice(list("0123456789"), int(rng.integers(1, 13))))
    if space and rng.random() < 0.5:
        digits = digits.lstrip("0") or "0"
        groups = [digits[max(i - 3, 0):i] for i in range(len(digits), 0, -3)][::-1]
        digits = space.join(groups)
    if rng.random() < 0.6:
        places = 3 if rng.random() < 0.3 else int(rng.integers(1, 7))
        digits += mark + "".join(rng.choice(list("0123456789"), places))
    return ("-" if rng.random() < 0.3 else "") + digits


def _common_column(rng: np.random.Generator, size: int) -> pd.Series:
    """Return a column of common numbers of one reading, maybe with empties and one stray."""
    mark = str(rng.choice([".", ","]))
    space = str(rng.choice(_SPACE_CHARS + [""]))
    values = ["" if rng.random() < 0.05 else _common_number(rng, mark, space)
              for _ in range(size)]
    if rng.random() < 0.3:
        values[int(rng.integers(0, size))] = str(rng.choice(_STRAYS))
    return pd.Series(values, dtype="str")


@pytest.fixture(scope="module")
def common_number_columns() -> list[pd.Series]:
    """Return seeded columns of common-shape numbers (with edge cases and strays)."""
    rng = np.random.default_rng(20261125)
    columns = [_common_column(rng, int(size)) for size in rng.integers(1, 300, 30)]
    columns += [pd.Series(["1", "-0", "25"], dtype="str"),  # integers only: pandas reads int64
                pd.Series(["1", "-0", ""], dtype="str"),
                pd.Series(["1.234", "-0.500"], dtype="str"),  # both readings fit every value
                pd.Series(["1 234,567", "2,5"], dtype="str"), pd.Series(["", ""], dtype="str")]
    return columns


def _same_parse(fast, slow) -> bool:
    """Return True when two Parsed results are identical, down to -0.0 and None vs NaN."""
    a, b = fast.values.to_numpy(), slow.values.to_numpy()
    return (np.array_equal(a, b, equal_nan=True) and np.array_equal(np.signbit(a), np.signbit(b))
            and fast.values.index.equals(slow.values.index) and fast.values.dtype == b.dtype
            and fast.empty.equals(slow.empty) and fast.invalid.equals(slow.invalid)
            and fast.currency.dtype == slow.currency.dtype
            and [repr(c) for c in fast.currency] == [repr(c) for c in slow.currency]
            and fast.note == slow.note)


@pytest.mark.parametrize(
    ("decimal", "thousands"),
    [("auto", "auto"), (",", "auto"), (".", "auto"), ("auto", "\u00a0"), ("auto", ""),
     (",", " "), (".", ","), ("auto", "."), (",", ","), (".", "\u202f")],
)
def test_parse_numbers_common_path_equals_per_value_path(common_number_columns, decimal,
                                                         thousands):
    # property: columns of numbers in one reading's common shape (grouped by any space,
    # signed, ambiguous '1.234', negative zero, 15 to 20 digits, empties, a stray value
    # now and then) parse exactly as the per-value reference path parses them
    for column in common_number_columns:
        fast = parse_numbers(column, decimal=decimal, thousands=thousands)
        slow = _parse_numbers_slow(column, decimal=decimal, thousands=thousands)
        assert _same_parse(fast, slow), (decimal, thousands, column.tolist()[:5])


def test_parse_numbers_common_path_skips_the_general_readers():
    # a decimal comma with space groups and a value only a comma fits ('5,25'): the common
    # path reads the column without the general readers
    values = pd.Series(["1 234,50", "-5,25", "", "100"], dtype="str")
    with mock.patch.object(values_module, "_read", side_effect=AssertionError):
        parsed = parse_numbers(values)
    # by hand: 1234.5, -5.25, empty, 100
    assert parsed.values.tolist()[:2] == [1234.5, -5.25] and parsed.values.iloc[3] == 100.0
    assert parsed.empty.tolist() == [False, False, True, False]
    assert parsed.note == "decimal comma (detected)"


@pytest.mark.parametrize(
    ("values", "decimal"),
    [(["1", "-0", "25"], "."), (["1", "-0", ""], "."), (["-0", "0.5", "12"], "auto"),
     (["1,5", "-0", "-7,25"], ","), (["-0,0", "3"], "auto"), (["7", "", "-3.5"], "."),
     (["123456789.12345", "-1"], ".")],
)
def test_parse_numbers_ungrouped_columns_take_one_cast(values, decimal):
    # a column of -?digits[mark digits] (no group separator) is read by one Arrow cast,
    # never by the separator-removing reader, and exactly as the per-value path reads it
    # (negative zero of an integer column read as 0, as pandas reads int64)
    column = pd.Series(values, dtype="str")
    with mock.patch.object(values_module, "_read_simple", side_effect=AssertionError):
        fast = parse_numbers(column, decimal=decimal)
    assert _same_parse(fast, _parse_numbers_slow(column, decimal=decimal)), values


def test_parse_numbers_long_ungrouped_values_fall_back_to_pandas():
    # 16 digits: more than the Arrow cast is trusted with; pandas' parser reads the column
    column = pd.Series(["1234567890123456", "-0", "2"], dtype="str")
    fast = parse_numbers(column, decimal=".")
    assert _same_parse(fast, _parse_numbers_slow(column, decimal="."))
    assert fast.values.tolist() == [1234567890123456.0, 0.0, 2.0]  # by hand; -0 read as 0


@pytest.mark.parametrize(
    "values",
    [["-0", "1", "25"], ["-0", "1", None], ["-0", "1.5"], ["-0.0", "2"], [".5", "-.5", "007"],
     ["123456789012345", "-99999999999999"], ["1234567890123456", "1"], ["9" * 20, "-1"],
     ["18446744073709551615", "1"], [None, None], [], ["0.1", "0.30000000000000004"],
     ["12345678.9012345", "1.7976931348623157"]],
)
def test_to_float_equals_to_numeric(values):
    text = pd.Series(values, dtype="str")
    expected = pd.to_numeric(text, errors="coerce").astype("float64").to_numpy()
    got = _to_float(text).to_numpy()
    assert np.array_equal(got, expected, equal_nan=True)
    assert np.array_equal(np.signbit(got), np.signbit(expected))


def test_to_float_equals_to_numeric_on_random_short_numbers():
    rng = np.random.default_rng(3)
    for _ in range(50):
        size = int(rng.integers(1, 200))
        texts = [("-" if rng.random() < 0.3 else "")
                 + "".join(rng.choice(list("0123456789"), int(rng.integers(1, 9))))
                 + ("." + "".join(rng.choice(list("0123456789"), int(rng.integers(1, 8))))
                    if rng.random() < 0.5 else "") for _ in range(size)]
        text = pd.Series(texts, dtype="str").where(rng.random(size) > 0.05)
        expected = pd.to_numeric(text, errors="coerce").astype("float64").to_numpy()
        got = _to_float(text).to_numpy()
        assert np.array_equal(got, expected, equal_nan=True)
        assert np.array_equal(np.signbit(got), np.signbit(expected))


# --- duplicates and order conflicts ------------------------------------------------------

def _repeats_reference(keys: pd.DataFrame, files: pd.Series, lines: pd.Series):
    """Exact repeats as cleaning defined them before hashing: duplicated + groupby first."""
    groups = keys.groupby(list(keys.columns), dropna=False, sort=False).ngroup()
    first = lines.groupby(groups).transform("first")
    first_file = files.groupby(groups).transform("first")
    repeat = keys.duplicated(keep="first")
    where = first.astype(str).where(first_file == files,
                                    first.astype(str) + " of " + first_file.astype(str))
    reason = ("an exact duplicate of line " + where + " (every column equal); the first "
              "copy is kept")
    return repeat, reason[repeat]


def _conflicts_reference(keys: pd.DataFrame, lines: pd.Series, grain: str):
    """Order conflicts as cleaning defined them before: groupby nunique per column."""
    keys = keys[keys["order_id"].notna()]
    compare = ["customer_id"] if grain == "order_line" else [c for c in keys if c != "order_id"]
    grouped = keys.groupby("order_id", sort=False)
    differs = pd.DataFrame({c: grouped[c].transform("nunique", dropna=False) > 1 for c in compare})
    conflict = differs.any(axis=1)
    names = pd.Series("", index=differs.index, dtype="str")
    for column in compare:
        names = names + differs[column].map({True: column + ", ", False: ""}).astype("str")
    first = lines[keys.index].groupby(keys["order_id"]).transform("min")
    count = grouped["order_id"].transform("size")
    expected = "one row per order (source.grain: order)" if grain == "order" else \
        "an order belongs to one customer"
    short = keys["order_id"].astype(str).str.slice(0, 60)
    shown = short.where(keys["order_id"].astype(str).str.len() <= 60, short + "…")
    reason = ("order '" + shown + "' has " + count.astype(str) + " rows (first on line "
              + first.astype(str) + ") with different " + names.str.rstrip(", ") + "; " + expected)
    return conflict, reason[conflict]


def _random_keys(rng: np.random.Generator, size: int) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Return parsed-like keys drawn from small pools (many repeats and conflicts)."""
    keys = pd.DataFrame({
        "customer_id": pd.Series(rng.choice(["C1", "C2", "C3", "007"], size), dtype="str"),
        "order_date": pd.Series(np.datetime64("2025-01-01") + rng.integers(0, 3, size)
                                .astype("timedelta64[D]")).astype("datetime64[us]"),
        "amount": rng.choice([0.0, -0.0, 1.5, 2.0, 1e-300, 5e15], size),
        "order_id": pd.Series(rng.choice(["A", "B", "C", "D" * 70, "E"], size),
                              dtype="str").where(rng.random(size) > 0.1),
        "cost": rng.choice([np.nan, 0.5, -0.0, 0.0], size),
        "channel": pd.Series(rng.choice(["web", "shop"], size), dtype="str")
        .where(rng.random(size) > 0.2),
        "is_reference": rng.random(size) < 0.2,
    }, index=pd.RangeIndex(0, 2 * size, 2))  # kept rows are a subset: not 0..n-1
    files = pd.Series(rng.choice(["a.csv", "b.csv"], size), index=keys.index, dtype="str")
    lines = pd.Series(rng.permutation(size) + 2, index=keys.index, dtype="int64")
    return keys, files, lines


@pytest.mark.parametrize("seed", range(12))
def test_find_repeats_and_conflicts_equal_the_pandas_definitions(seed):
    # property: on small-pool frames (many exact repeats, 0.0 vs -0.0, missing values,
    # conflicts in every column), the hashed repeats and code-based conflicts are exactly
    # pandas' duplicated() and groupby nunique(dropna=False) > 1, reasons included
    rng = np.random.default_rng(seed)
    keys, files, lines = _random_keys(rng, int(rng.integers(1, 300)))
    repeat, reason = find_repeats(keys, files, lines)
    want_repeat, want_reason = _repeats_reference(keys, files, lines)
    pd.testing.assert_series_equal(repeat, want_repeat, check_names=False)
    pd.testing.assert_series_equal(reason, want_reason, check_names=False)
    for grain in ("order_line", "order"):
        conflict, reason = find_conflicts(keys[~repeat], lines, grain)
        want_conflict, want_reason = _conflicts_reference(keys[~repeat], lines, grain)
        pd.testing.assert_series_equal(conflict, want_conflict, check_names=False)
        pd.testing.assert_series_equal(reason, want_reason, check_names=False)


def test_find_repeats_survives_hash_collisions(monkeypatch):
    # every row hashes alike: the exact check alone must tell the repeats apart
    rng = np.random.default_rng(11)
    keys, files, lines = _random_keys(rng, 200)
    monkeypatch.setattr(duplicates_module.pd.util, "hash_pandas_object",
                        lambda frame, index=False: pd.Series(7, index=frame.index, dtype="uint64"))
    repeat, reason = find_repeats(keys, files, lines)
    want_repeat, want_reason = _repeats_reference(keys, files, lines)
    pd.testing.assert_series_equal(repeat, want_repeat, check_names=False)
    pd.testing.assert_series_equal(reason, want_reason, check_names=False)


def test_find_repeats_counts_zero_and_negative_zero_alike():
    # by hand: amounts 0.0 and -0.0 are equal, so line 3 repeats line 2 (as duplicated() says)
    keys = pd.DataFrame({"customer_id": pd.Series(["1", "1"], dtype="str"),
                         "amount": [0.0, -0.0], "cost": [np.nan, np.nan]})
    repeat, reason = find_repeats(keys, pd.Series(["a.csv", "b.csv"]), pd.Series([2, 3]))
    assert repeat.tolist() == [False, True]
    assert reason.tolist() == ["an exact duplicate of line 2 of a.csv (every column equal); "
                               "the first copy is kept"]


# --- clean_transactions end to end -------------------------------------------------------

def _messy_raw(rng: np.random.Generator, size: int) -> pd.DataFrame:
    """Return a loaded-like text frame with repeats, conflicts, bad and odd values."""
    dates = _random_dates(rng, size).where(rng.random(size) > 0.5, "01.02.2025")
    amounts = [str(rng.choice(["10", "10,0", "-0", "0", "1 234,5", "5 $", "н/д", "", "(3)",
                               "12.5", "1.234", "1.234,5"])) for _ in range(size)]
    frame = pd.DataFrame({
        "customer_id": pd.Series(rng.choice(["1", "2", "007", "", " 2 ", "Итого", "total x"],
                                            size), dtype="str"),
        "order_date": dates,
        "amount": pd.Series(amounts, dtype="str"),
        "order_id": pd.Series(rng.choice(["A", "B", "", "C" * 80], size), dtype="str"),
        "cost": pd.Series(rng.choice(["1", "", "x", "-0"], size), dtype="str"),
        "currency": pd.Series(rng.choice(["RUB", "", "руб.", "USD"], size), dtype="str"),
        "is_reference": pd.Series(rng.choice(["да", "", "нет", "maybe"], size), dtype="str"),
        "channel": pd.Series(rng.choice(["web", "", "Итого"], size), dtype="str"),
    })
    frame["source_file"] = pd.Series(rng.choice(["a.csv", "b.csv"], size), dtype="str")
    frame["source_line"] = np.arange(2, size + 2, dtype="int64")
    return frame


@pytest.mark.parametrize(
    "source",
    [SourceParams(paths=["a"]), SourceParams(paths=["a"], grain="order"),
     SourceParams(paths=["a"], export_date=dt.date(2025, 6, 1), excel_date_columns=["order_date"]),
     SourceParams(paths=["a"], date_format="%d.%m.%Y", decimal=",", thousands=" "),
     SourceParams(paths=["a"], date_format="%m.%d.%Y", decimal=".", min_date=dt.date(2000, 1, 1))],
)
def test_clean_transactions_equals_the_reference_paths(monkeypatch, source):
    # property: the whole cleaning (kept rows, rejected rows with rules and reason texts,
    # amount_in, notes) is identical with every fast path swapped for its reference
    rng = np.random.default_rng(99)
    raw = _messy_raw(rng, 1500)
    # the random dates mix day-first and month-first on purpose, which the column-level
    # date-order check refuses as a whole (tested in test_inputs.py); here every row
    # must go through the parsers, so that check is left out on both sides
    monkeypatch.setattr(readings, "judge_date_order", lambda *args, **kwargs: 0)
    fast = clean_transactions(raw, source=source)
    monkeypatch.setattr(cleaning_module, "parse_numbers", _parse_numbers_slow)
    monkeypatch.setattr(cleaning_module, "parse_dates", _parse_dates_slow)
    monkeypatch.setattr(cleaning_module, "find_repeats", _repeats_reference)
    monkeypatch.setattr(cleaning_module, "find_conflicts", _conflicts_reference)
    slow = clean_transactions(raw, source=source)
    pd.testing.assert_frame_equal(fast.kept, slow.kept, check_exact=True)
    pd.testing.assert_frame_equal(fast.rejected, slow.rejected, check_exact=True)
    assert (fast.rows_in, fast.amount_in, fast.notes) == (slow.rows_in, slow.amount_in, slow.notes)
    # the generated batch exercises most rules (so the comparison is not vacuous)
    assert len(set(fast.rejected["rule"])) >= 8 and len(fast.kept) > 0


def test_clean_reason_texts_for_each_rule():
    # every reason below was written out by hand from the rule's template and the row
    raw = pd.DataFrame({
        "customer_id": ["1", "2", "3", "4", "5", "6", "7", "7", "8", "9", "9"],
        "order_date": ["01.02.2025", "45658", "01.02.2027", "01.02.1985", "01.02.2025",
                       "01.02.2025", "01.02.2025", "01.02.2025", "01.02.2025", "01.02.2025",
                       "01.02.2025"],
        "amount": ["x" * 70, "1", "1", "1", "5 $", "1", "3", "3", "4", "5", "5"],
        "order_id": ["O1", "O2", "O3", "O4", "O5", "O6", "O7", "O7", "O8", "O9", "O9"],
        "cost": ["", "", "", "", "", "y", "", "", "", "", ""],
        "currency": ["", "", "", "", "", "", "", "", "EUR", "", ""],
        "is_reference": ["", "", "", "", "", "", "", "", "", "", "?"],
        "source_file": ["a.csv"] * 7 + ["b.csv"] + ["a.csv"] * 3,
        "source_line": np.arange(2, 13, dtype="int64"),
    }).astype({c: "str" for c in ("customer_id", "order_date", "amount", "order_id", "cost",
                                   "currency", "is_reference", "source_file")})
    source = SourceParams(paths=["a.csv"], export_date=dt.date(2026, 1, 1), grain="order")
    rejected = clean_transactions(raw, source=source).rejected
    assert rejected["reason"].tolist() == [
        "amount '" + "x" * 60 + "…' is not a number",
        "order_date '45658' is a number, not a date (if it is an Excel serial date, list "
        "order_date in source.excel_date_columns)",
        "order_date 2027-02-01 is after the export date 2026-01-01 (in the future)",
        "order_date 1985-02-01 is before source.min_date 1990-01-01 (implausible)",
        "amount '5 $' is not in the unit's currency RUB (no exchange-rate table: convert at "
        "the source)",
        "cost 'y' is not a number",
        "an exact duplicate of line 8 of a.csv (every column equal); the first copy is kept",
        "currency 'EUR' is not the unit's currency RUB (no exchange-rate table: convert at "
        "the source)",
        "is_reference '?' is not yes/no",
    ]
    assert rejected["rule"].tolist() == ["bad_amount", "bad_date", "date_in_future",
                                         "date_too_old", "other_currency", "bad_number",
                                         "duplicate_row", "other_currency", "bad_flag"]
    assert rejected["source_line"].tolist() == [2, 3, 4, 5, 6, 7, 9, 10, 12]


# --- text --------------------------------------------------------------------------------

def test_printable_ascii_text_is_stripped_as_the_general_path_strips_it():
    from insights.cleaning.text import as_text, printable_ascii, strip_invisible

    rng = np.random.default_rng(7)
    pieces = np.array(["a", "B7", " ", "  x ", "", "-1,5", "~", "q q"])
    values = ["".join(rng.choice(pieces, size=3)) for _ in range(2000)]
    # two Arrow chunks, as a batch concatenated from pieces arrives
    text = pd.concat([pd.Series(values[:700], dtype="str"), pd.Series(values[700:], dtype="str")],
                     ignore_index=True)
    assert printable_ascii(text) is not None
    expected = text.str.strip().str.strip("\u200b\u200c\u200d\u2060\ufeff").str.strip()
    pd.testing.assert_series_equal(as_text(text), expected)
    assert not strip_invisible(text)[1].any()
    tabbed = pd.Series([" a\t", "b"], dtype="str")  # a tab is not printable: the general path
    assert printable_ascii(tabbed) is None and as_text(tabbed).tolist() == ["a", "b"]


@pytest.mark.parametrize("cut", [slice(None), slice(1, None), slice(0, 2), slice(1, 2)])
def test_printable_ascii_text_without_edge_spaces_is_returned_as_is(cut):
    # values are looked at only by their first and last bytes (through the offsets, also
    # of a slice of a longer Arrow array): a space at either end is stripped, none kept
    from insights.cleaning.text import as_text

    text = pd.Series(["ab", " cd", "e f", "gh "], dtype="str").iloc[cut]
    expected = {"ab": "ab", " cd": "cd", "e f": "e f", "gh ": "gh"}  # by hand
    assert as_text(text).tolist() == [expected[v] for v in text]
    clean = pd.Series(["ab", "e f", "", "x"], dtype="str").iloc[cut]
    pd.testing.assert_series_equal(as_text(clean), clean)


def test_thousands_evidence_finds_every_grouping_shape():
    # one search picks the values that may show a thousands group, then the four shapes are
    # matched on those; counts and the first examples by hand
    text = pd.Series(["12.34", "1.234", "-1,234", "1.2345", "\u22121.234", "1.234.567",
                      "1234.567", "1.234,5", "1,234.56", "7", "1,234,567.8", ".234"],
                     dtype="str", index=range(10, 22))
    files = pd.Series("a.csv", index=text.index, dtype="str")
    lines = pd.Series(range(2, 14), index=text.index)
    evidence = readings.thousands_evidence(text, files, lines)
    assert evidence.counts == {"lone.": 2, "lone,": 1, "grouped.": 2, "grouped,": 2}
    assert evidence.examples["lone."] == ["'1.234' (a.csv line 3)", "'\u22121.234' (a.csv line 6)"]
    assert evidence.examples["grouped,"] == ["'1,234.56' (a.csv line 10)",
                                             "'1,234,567.8' (a.csv line 12)"]
