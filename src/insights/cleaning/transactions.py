"""Turn loaded transactions into canonical types; reject (never drop) rows that are wrong.

Pure: DataFrame in, results out, no file I/O. ``clean_transactions`` parses numbers, dates,
flags and currencies (see ``insights.cleaning.values``), then rejects, in this order of
precedence (a row gets the first reason that applies): total rows, a missing customer,
an empty/unparseable/foreign-currency amount, an empty/unparseable/implausible date, a
currency other than the unit's, an unparseable cost/margin/discount or is_reference,
exact duplicates (the first copy is kept) and order ids with conflicting values.

Each rejected row carries ``QUARANTINE_COLUMNS`` (file, line, column, raw value, a
plain-language reason, the rule code and the amount where it parses) followed by the
row's original values, so that rows in = rows kept + rows rejected and amounts reconcile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from insights.cleaning import readings
from insights.cleaning.duplicates import find_conflicts, find_repeats
from insights.cleaning.quality import summarize_quality
from insights.cleaning.rules import QUARANTINE_COLUMNS, REJECT_RULES, InputError
from insights.cleaning.text import strip_invisible
from insights.cleaning.values import (
    as_text,
    currency_code,
    normalise_currency,
    parse_dates,
    parse_flags,
    parse_numbers,
)
from insights.cleaning.values import quote as _quote
from insights.schema import (
    CANONICAL,
    LINEAGE,
    OPTIONAL_NUMERIC,
    OPTIONAL_TEXT,
    REQUIRED,
    require_columns,
)

__all__ = ["QUARANTINE_COLUMNS", "REJECT_RULES", "CleanResult", "InputError",
           "clean_transactions", "summarize_quality"]


@dataclass(frozen=True)
class CleanResult:
    """Kept and rejected rows of one ``clean_transactions`` call.

    Attributes
    ----------
    kept : DataFrame
        Canonical columns in canonical types plus lineage, in input order.
    rejected : DataFrame
        ``QUARANTINE_COLUMNS`` then the row's original (unparsed) columns.
    rows_in : int
        Rows given to cleaning (= len(kept) + len(rejected)).
    amount_in : float
        Sum of the amounts that parse, over all rows given (kept + rejected).
    notes : tuple of str
        How ambiguous formats were read (e.g. the detected decimal separator).
    counts : dict
        Values whose reading depended on a decision, by kind (``count_notes`` words them;
        a stream adds them up over its batches): ``invisible:<column>`` values with
        invisible characters removed, ``date_order`` dates that read differently day-first,
        ``thousands:<column>`` lone thousands groups, ``converted:<code>`` rows converted
        to the unit's currency, ``possible_duplicates`` / ``possible_duplicates_amount``
        rows equal to an earlier one without an order id (kept, or dropped by
        ``source.duplicates: drop``).
    """

    kept: pd.DataFrame
    rejected: pd.DataFrame
    rows_in: int = 0
    amount_in: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)
    counts: dict = field(default_factory=dict)


class _Verdicts:
    """First-reason-wins bookkeeping of rejects over a frame's rows."""

    def __init__(self, index: pd.Index) -> None:
        self.rule = pd.Series(None, index=index, dtype="object")
        self.column = pd.Series(None, index=index, dtype="object")
        self.raw = pd.Series(None, index=index, dtype="object")
        self.reason = pd.Series(None, index=index, dtype="object")
        self._open = np.ones(len(index), dtype=bool)  # not rejected yet

    def add(self, mask: pd.Series, rule: str, column: str, raw, reason) -> None:
        """Reject rows in ``mask`` not rejected yet.

        ``raw``/``reason`` are scalars, Series holding at least those rows, or functions
        of those rows' index returning either (texts are then built for them alone).
        """
        new = mask.fillna(False).astype(bool).to_numpy() & self._open
        if new.any():
            rows = self.rule.index[new]
            self.rule[new], self.column[new] = rule, column
            self.raw[new] = _at(raw, rows)
            self.reason[new] = _at(reason, rows)
            self._open &= ~new

    @property
    def ok(self) -> pd.Series:
        """Rows not rejected so far."""
        return pd.Series(self._open.copy(), index=self.rule.index)


def _at(value, rows: pd.Index):
    """Return a scalar as is, or the values at ``rows`` of a Series (or a function's)."""
    if callable(value):
        value = value(rows)
    return value.loc[rows].to_numpy() if isinstance(value, pd.Series) else value


def clean_transactions(raw: pd.DataFrame, *, source, checks: bool = True,
                       repeats: bool = True) -> CleanResult:
    """Parse a loaded frame into canonical types; reject rows that cannot be used.

    Parameters
    ----------
    raw : DataFrame
        ``loading.load_transactions(...).frame``: canonical columns (text or typed) plus
        ``source_file`` and ``source_line``. Not modified.
    source : SourceParams
        ``params.source``: decimal/thousands, date_format, dayfirst, excel_date_columns,
        export_date, min_date, currency, total_row_markers, grain, duplicates, amount_min,
        amount_max, exchange_rates.
    checks : bool
        Judge the column-level readings (``cleaning.readings``: date order, lone thousands
        groups) on these rows; a stream passes False and judges them over all its batches.
    repeats : bool
        Reject exact duplicates and orders whose rows conflict among these rows; a stream
        passes False and finds them over all its batches (``insights.ingest.checks``).

    Raises
    ------
    InputError
        A column reads two ways (dates day- or month-first, ``1.234`` as 1234 or 1.234);
        the message names file, line and value and the param that settles it.

    Returns
    -------
    CleanResult
        ``kept`` in canonical types (customer_id text, order_date datetime64[ns] at
        midnight, amount float64, ...) and ``rejected`` with a reason per row.

    Notes
    -----
    Batch-safe: every check looks only at the rows given, so a stream can clean batches of
    any size with this function. Duplicates and order conflicts are found *within* the
    batch; across batches they must be found by the streaming caller (e.g. by keeping the
    row keys and order ids already seen), which this function does not do.

    Examples
    --------
    >>> from insights.params import SourceParams
    >>> raw = pd.DataFrame({"customer_id": ["007", ""], "order_date": ["01.02.2025", "x"],
    ...                     "amount": ["1 234,50", "5"], "source_file": "a.csv",
    ...                     "source_line": [2, 3]})
    >>> result = clean_transactions(raw, source=SourceParams(paths=["a.csv"]))
    >>> result.kept[["customer_id", "amount"]].values.tolist()
    [['007', 1234.5]]
    >>> result.rejected["reason"].tolist()
    ['customer_id is empty']
    """
    require_columns(raw, REQUIRED + LINEAGE, where="clean_transactions")
    frame = raw.reset_index(drop=True)
    columns = [c for c in CANONICAL if c in frame.columns]
    text = {c: as_text(frame[c]) for c in columns}
    counts: dict[str, float] = {}
    for column in (c for c in ("customer_id", *OPTIONAL_TEXT) if c in text):
        text[column], changed = strip_invisible(text[column])
        if changed.any():
            counts[f"invisible:{column}"] = int(changed.sum())
    verdicts = _Verdicts(frame.index)
    parsed, notes = _parse_all(frame, text, source, verdicts, counts, checks)
    if repeats:
        _reject_duplicates(frame, parsed, verdicts, source, counts)
    amount = parsed["amount"]
    kept = _kept_frame(frame, parsed, columns, verdicts.ok)
    rejected = _rejected_frame(frame, columns, verdicts, amount)
    amount_in = math.fsum(amount.dropna().tolist())
    return CleanResult(kept, rejected, len(frame), amount_in, tuple(notes + count_notes(counts)),
                       counts)


def count_notes(counts: dict) -> list[str]:
    """Return the appendix sentences for ``CleanResult.counts`` (or their sum over batches)."""
    notes = []
    for key, n in sorted(counts.items()):
        kind, _, what = key.partition(":")
        if kind == "invisible":
            notes.append(f"{what}: invisible characters (control, zero-width or bidi) removed "
                         f"from {n:,} values")
        elif kind == "date_order":
            notes.append(f"order_date: {n:,} dates such as 03.04.2025 read "
                         "day first (source.dayfirst) would read otherwise month first")
        elif kind == "thousands":
            notes.append(f"{what}: {n:,} values such as 1.234 read with a thousands group "
                         "(other values of the column group thousands the same way)")
        elif kind == "converted":
            notes.append(f"amount: {n:,} rows in {what} converted with source.exchange_rates")
        elif kind == "possible_duplicates":
            notes.append(f"{n:,} rows without an order id equal an earlier row in every column "
                         f"(amount {counts.get('possible_duplicates_amount', 0.0):,.2f}): "
                         "possible duplicates, kept (source.duplicates: keep) since two equal "
                         "purchases on one day can be real")
    return notes


def _parse_all(frame: pd.DataFrame, text: dict, source, verdicts: _Verdicts,
               counts: dict, checks: bool) -> tuple[dict, list]:
    """Parse every canonical column, recording rejects in precedence order; return values."""
    files, lines = frame["source_file"].astype("str"), frame["source_line"]
    amounts = parse_numbers(frame["amount"], decimal=source.decimal, thousands=source.thousands)
    if checks and source.thousands == "auto":  # a stream judges over the whole input instead
        _count(counts, "thousands:amount", readings.judge_thousands(
            readings.thousands_evidence(readings.written(frame["amount"], text["amount"]),
                                        files, lines), column="amount",
            used=readings.decimal_used(source.decimal, amounts.note), thousands="auto"))
    if checks and not source.date_format:
        written = readings.written(frame["order_date"], text["order_date"])
        _count(counts, "date_order", readings.judge_date_order(
            readings.date_order_evidence(written, files, lines), date_format=None,
            dayfirst=source.dayfirst))
    dates = parse_dates(frame["order_date"], date_format=source.date_format,
                        dayfirst=source.dayfirst,
                        excel_serial="order_date" in source.excel_date_columns)
    customer = text["customer_id"].where(text["customer_id"] != "")
    verdicts.add(_total_rows(text, source.total_row_markers, customer, dates), "total_row",
                 "(row)", "", "a total or subtotal row (it sums other rows)")
    verdicts.add(customer.isna(), "missing_customer_id", "customer_id", "", "customer_id is empty")
    unit_currency = currency_code(source.currency)
    rates = _row_rates(frame, amounts, source, counts)
    _number_verdicts(verdicts, "amount", amounts, text["amount"], unit_currency, required=True,
                     converted=rates.notna())
    _date_verdicts(verdicts, dates, text["order_date"], source)
    values = amounts.values * rates.fillna(1.0)
    _plausibility_verdicts(verdicts, values, text["amount"], source)
    parsed = {"customer_id": customer, "amount": values, "order_date": dates.values}
    notes = [f"amount: {amounts.note}"] if amounts.note else []
    notes += _parse_optional(frame, text, source, verdicts, parsed, unit_currency, rates)
    return parsed, notes


def _count(counts: dict, key: str, n: int) -> None:
    """Add ``n`` to ``counts[key]`` when positive."""
    if n:
        counts[key] = counts.get(key, 0) + n


def _row_rates(frame: pd.DataFrame, amounts, source, counts: dict) -> pd.Series:
    """Return each row's rate to the unit's currency from ``source.exchange_rates`` (else NaN).

    The row's currency is its currency column when filled, else the mark in its amount.
    """
    rates = pd.Series(np.nan, index=frame.index)
    if not source.exchange_rates:
        return rates
    code = pd.Series("", index=frame.index, dtype="str")
    if amounts.currency is not None:
        code = amounts.currency.fillna("").astype("str")
    if "currency" in frame.columns:
        column = normalise_currency(frame["currency"])
        code = column.where(column != "", code)
    table = {currency_code(k): float(v) for k, v in source.exchange_rates.items()}
    table.pop(currency_code(source.currency), None)
    rates = code.map(table).astype("float64")
    for name, n in code[rates.notna()].value_counts().items():
        _count(counts, f"converted:{name}", int(n))
    return rates


def _plausibility_verdicts(verdicts: _Verdicts, values: pd.Series, text: pd.Series,
                           source) -> None:
    """Reject placeholder amounts and amounts outside the plausible range."""
    def shown(rows: pd.Index) -> pd.Series:
        return "amount '" + _quote(text.loc[rows]) + "'"

    verdicts.add(readings.placeholder_amounts(values), "placeholder_amount", "amount", text,
                 lambda rows: shown(rows) + " is a placeholder (all nines), not a sale")
    low, high, derived = readings.plausible_range(values, low=source.amount_min,
                                                  high=source.amount_max)
    basis = (f"{readings.RANGE_FACTOR} times the 99th percentile of the amounts; set "
             "source.amount_min / amount_max" if derived else "source.amount_min / amount_max")
    if high is not None:
        verdicts.add(values > high, "amount_out_of_range", "amount", text,
                     lambda rows: shown(rows) + f" is above the plausible maximum {high:,.2f} "
                     f"({basis})")
    if low is not None:
        verdicts.add(values < low, "amount_out_of_range", "amount", text,
                     lambda rows: shown(rows) + f" is below the plausible minimum {low:,.2f} "
                     f"({basis})")


def _parse_optional(frame: pd.DataFrame, text: dict, source, verdicts: _Verdicts, parsed: dict,
                    unit_currency: str, rates: pd.Series) -> list[str]:
    """Parse the optional columns present into ``parsed``; return notes on formats read."""
    notes = []
    if "currency" in frame.columns:
        codes = normalise_currency(frame["currency"]).where(rates.isna(), unit_currency)
        foreign = (codes != "") & (codes != unit_currency)
        verdicts.add(foreign, "other_currency", "currency", text["currency"],
                     lambda rows: "currency '" + _quote(text["currency"].loc[rows])
                     + f"' is not the unit's currency {unit_currency} (no exchange-rate "
                     "table: convert at the source)")
        parsed["currency"] = codes.where(codes != "", unit_currency)
    for column in (c for c in OPTIONAL_NUMERIC if c in frame.columns):
        numbers = parse_numbers(frame[column], decimal=source.decimal, thousands=source.thousands)
        _number_verdicts(verdicts, column, numbers, text[column], unit_currency, required=False,
                         converted=rates.notna())
        parsed[column] = numbers.values * (rates.fillna(1.0) if column != "discount" else 1.0)
        notes += [f"{column}: {numbers.note}"] if numbers.note else []
    if "is_reference" in frame.columns:
        flags = parse_flags(frame["is_reference"])
        verdicts.add(flags.invalid, "bad_flag", "is_reference", text["is_reference"],
                     lambda rows: "is_reference '" + _quote(text["is_reference"].loc[rows])
                     + "' is not yes/no")
        parsed["is_reference"] = flags.values.astype(bool)
    for column in (c for c in OPTIONAL_TEXT if c in frame.columns and c not in parsed):
        parsed[column] = text[column].where(text[column] != "")
    return notes


def _total_rows(text: dict, markers: list[str], customer: pd.Series, dates) -> pd.Series:
    """Flag total rows: a cell starts with a marker and the row has no real customer/date.

    A customer named like a marker ("Total Motors") with an id and a date is kept.
    """
    markers = [m.casefold().strip() for m in markers if m.strip()]
    in_customer = _starts_with_marker(text["customer_id"], markers)
    suspect = customer.isna() | dates.empty | dates.invalid
    hits = in_customer.copy()
    if suspect.any():
        for values in text.values():
            hits[suspect] |= _starts_with_marker(values[suspect], markers)
    return hits & (suspect | in_customer)


def _starts_with_marker(values: pd.Series, markers: list[str]) -> pd.Series:
    """Return whether each text starts with one of ``markers`` as a whole word.

    Texts are compared casefolded; ASCII texts are lower-cased instead (the same there).
    """
    ascii_text = values.str.isascii().to_numpy(dtype=bool)
    folded = values.str.lower()
    if not ascii_text.all():
        folded[~ascii_text] = values[~ascii_text].str.casefold().to_numpy()
    hit = pd.Series(False, index=values.index)
    for marker in markers:
        starts = folded.str.startswith(marker).to_numpy(dtype=bool)
        if starts.any():
            after = folded[starts].str.slice(len(marker), len(marker) + 1)
            hit[starts] = hit[starts].to_numpy() | ~after.str.isalnum().to_numpy(dtype=bool)
    return hit


def _number_verdicts(verdicts: _Verdicts, column: str, numbers, text: pd.Series, currency: str,
                     *, required: bool, converted: pd.Series) -> None:
    """Reject empty (when required), unparseable and foreign-currency numbers."""
    def shown(rows: pd.Index) -> pd.Series:
        return "'" + _quote(text.loc[rows]) + "'"

    if required:
        verdicts.add(numbers.empty, f"missing_{column}", column, "", f"{column} is empty")
    rule = f"bad_{column}" if required else "bad_number"
    verdicts.add(numbers.invalid, rule, column, text,
                 lambda rows: column + " " + shown(rows) + " is not a number")
    if numbers.currency is not None:
        foreign = numbers.currency.notna() & (numbers.currency != currency) & ~converted
        verdicts.add(foreign, "other_currency", column, text,
                     lambda rows: column + " " + shown(rows) + " is not in the unit's currency "
                     f"{currency} (no exchange-rate table: convert at the source)")


#: The last order date kept: timestamps in nanoseconds end on 2262-04-11.
LAST_DATE = pd.Timestamp.max.normalize() - pd.Timedelta(days=1)


def _date_verdicts(verdicts: _Verdicts, dates, text: pd.Series, source) -> None:
    """Reject empty, unparseable, future and implausibly old order dates."""
    verdicts.add(dates.empty, "missing_date", "order_date", "", "order_date is empty")
    hint = ("" if "order_date" in source.excel_date_columns else
            " (if it is an Excel serial date, list order_date in source.excel_date_columns)")

    def not_a_date(rows: pd.Index) -> pd.Series:
        shown = "'" + _quote(text.loc[rows]) + "'"
        numeric = text.loc[rows].str.fullmatch(r"\d{3,6}(?:[.,]\d+)?")
        return ("order_date " + shown + " is not a date").where(
            ~numeric, "order_date " + shown + " is a number, not a date" + hint)

    def day(rows: pd.Index) -> pd.Series:
        return "order_date " + dates.values.loc[rows].dt.strftime("%Y-%m-%d")

    verdicts.add(dates.invalid, "bad_date", "order_date", text, not_a_date)
    if source.export_date is not None:
        late = dates.values > pd.Timestamp(source.export_date)
        verdicts.add(late, "date_in_future", "order_date", text,
                     lambda rows: day(rows) + f" is after the export date {source.export_date} "
                     "(in the future)")
    beyond = dates.values > LAST_DATE
    verdicts.add(beyond, "date_out_of_range", "order_date", text,
                 lambda rows: day(rows) + f" is after {LAST_DATE:%Y-%m-%d}, the last day the "
                 "analysis can hold (a placeholder date such as 9999-12-31?)")
    early = dates.values < pd.Timestamp(source.min_date)
    verdicts.add(early, "date_too_old", "order_date", text,
                 lambda rows: day(rows) + f" is before source.min_date {source.min_date} "
                 "(implausible)")


def _reject_duplicates(frame: pd.DataFrame, parsed: dict, verdicts: _Verdicts, source,
                       counts: dict) -> None:
    """Reject exact repeats of a kept row, then order ids whose rows conflict.

    Repeats without an order id are possible duplicates: counted, and rejected only with
    ``source.duplicates: drop`` (two equal purchases on one day are real).
    """
    grain = source.grain
    ok = verdicts.ok
    keys = pd.DataFrame({c: v for c, v in parsed.items()})[ok]
    if keys.empty:
        return
    lines, files = frame.loc[ok, "source_line"], frame.loc[ok, "source_file"]
    repeat, reason = find_repeats(keys, files, lines)
    no_id = keys["order_id"].isna() if "order_id" in keys.columns else pd.Series(True, index=keys.index)
    possible = repeat & no_id
    if possible.any():
        _count(counts, "possible_duplicates", int(possible.sum()))
        counts["possible_duplicates_amount"] = counts.get("possible_duplicates_amount", 0.0) + \
            math.fsum(keys.loc[possible, "amount"].tolist())
        if source.duplicates == "keep":
            repeat = repeat & ~possible
            reason = reason[repeat[repeat].index]
    verdicts.add(repeat.reindex(frame.index, fill_value=False), "duplicate_row", "(row)", "",
                 reason)
    if "order_id" in keys.columns:
        conflict, reason = find_conflicts(keys[~repeat], lines, grain)
        verdicts.add(conflict.reindex(frame.index, fill_value=False), "order_conflict",
                     "order_id", keys["order_id"], reason)


def _kept_frame(frame: pd.DataFrame, parsed: dict, columns: list[str], ok: pd.Series) -> pd.DataFrame:
    """Return the kept rows in canonical types and column order, plus lineage."""
    kept = pd.DataFrame({c: parsed[c] for c in columns})[ok]
    kept = kept.astype({"order_date": "datetime64[ns]", "amount": "float64",
                        "customer_id": "str"})
    for column in OPTIONAL_TEXT:
        if column in kept.columns:
            kept[column] = kept[column].astype("str")
    kept["source_file"] = frame.loc[ok, "source_file"].astype("str")
    kept["source_line"] = frame.loc[ok, "source_line"].astype("int64")
    return kept.reset_index(drop=True)


def _rejected_frame(frame: pd.DataFrame, columns: list[str], verdicts: _Verdicts,
                    amount) -> pd.DataFrame:
    """Return the rejected rows: quarantine columns, then the original values."""
    bad = ~verdicts.ok
    out = pd.DataFrame({
        "source_file": frame.loc[bad, "source_file"].astype("str"),
        "source_line": frame.loc[bad, "source_line"].astype("int64"),
        "column": verdicts.column[bad].astype("str"),
        "raw_value": verdicts.raw[bad].astype("str"),
        "reason": verdicts.reason[bad].astype("str"),
        "rule": verdicts.rule[bad].astype("str"),
        "amount_value": amount.values[bad].astype("float64"),
    })
    out = pd.concat([out, frame.loc[bad, columns]], axis=1)
    return out.reset_index(drop=True)
