"""Survey an export never seen before: its format, and a guess for every setting, with evidence.

``insights init <unit> --from <file>`` calls ``survey_export`` and writes the findings as a
commented ``params/<unit>.yaml`` (``insights.params_draft``). Every guess comes with the facts
that decided it, so an analyst can check it before the first report:

- encoding and delimiter: decided by the loader's own code (``loading.text``), exactly as a
  report will read the file;
- the column for each canonical field: its header (the canonical name itself, then
  ``SYNONYMS``, Russian and English), confirmed by the values where the field has a type
  (dates for ``order_date``, numbers for ``amount``, ``cost``, ``margin``, ``discount``);
- decimal mark: how many amounts only a decimal comma reads, and how many only a point;
- date order: how many dates only day-first reads (first field above 12), how many only
  month-first reads, and the one pattern the dates share;
- currency: the currency column's codes, or marks in the amounts, else the default;
- grain: whether order ids repeat over rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

import pandas as pd

from insights.cleaning.dates import parse_dates
from insights.cleaning.values import normalise_currency, parse_numbers
from insights.loading.reader import SYNONYMS, _detect_format, _norm
from insights.loading.scan import file_chunks, scan_bytes
from insights.loading.table import LoadError, Table
from insights.loading.text import DELIMITERS, SNIFF_LINES, _loose_rows, read_csv
from insights.loading.workbook import read_excel
from insights.params import SourceParams
from insights.schema import CANONICAL, OPTIONAL_NUMERIC

#: Header phrases per canonical field, strongest first (the canonical name always comes first;
#: the loader's ``SYNONYMS`` are included). Matching ignores case and repeated spaces.
HEADERS = {
    "customer_id": ("код клиента", "id клиента", "код контрагента", "инн", "client_id",
                    "customer id", "client id", "customer code", *SYNONYMS["customer_id"]),
    "order_date": ("дата заказа", "дата продажи", "дата документа", "дата реализации",
                   "дата покупки", "order date", "sale date", "date", *SYNONYMS["order_date"]),
    "amount": ("сумма без ндс", "выручка", "сумма продажи", "сумма", "сумма с ндс", "amount",
               "revenue", "net amount", "sales", *SYNONYMS["amount"]),
    "order_id": ("номер заказа", "номер документа", "№ заказа", "заказ", "документ",
                 "order id", "order", "order number", "invoice"),
    "customer_name": ("наименование клиента", "клиент", "контрагент", "покупатель",
                      "customer name", "client name", "customer", "client"),
    "customer_type": ("тип клиента", "вид клиента", "сегмент", "customer type"),
    "product_line": ("направление", "товарная группа", "номенклатурная группа", "категория",
                     "product line", "product", "category"),
    "channel": ("канал", "канал продаж", "sales channel"),
    "region": ("регион", "город", "филиал", "city"),
    "account_manager": ("менеджер", "ответственный", "manager", "sales rep"),
    "acquisition_source": ("источник", "источник привлечения", "source", "lead source"),
    "currency": ("валюта", "currency", "cur"),
    "cost": ("себестоимость", "cost", "cogs"),
    "margin": ("маржа", "валовая прибыль", "margin", "gross profit"),
    "discount": ("скидка", "discount"),
    "is_reference": ("референс", "рекомендатель", "reference", "is reference"),
    "unit": ("подразделение", "бизнес-единица", "business unit"),
}
#: Columns whose values must parse as numbers (share of non-empty values) to be chosen.
MIN_TYPED_SHARE = 0.9
#: Values looked at for types, decimal mark and date order (all rows of smaller files).
SAMPLE_ROWS = 200_000
#: Bytes of a CSV file read for the survey (the encoding check still scans the whole file);
#: ``rows`` then counts the rows surveyed.
SURVEY_BYTES = 64 << 20
_DATE_SHAPE = re.compile(r"^\s*(\d{1,4})([./-])(\d{1,2})\2(\d{2,4})(?:[ T].*)?$")


V = TypeVar("V")


@dataclass(frozen=True)
class Guess(Generic[V]):
    """A setting's value and the facts that decided it."""

    value: V
    evidence: str


@dataclass(frozen=True)
class ExportSurvey:
    """What ``survey_export`` found in a file; each guess carries its evidence."""

    entry: str
    format: Guess[str]
    encoding: Guess[str]
    delimiter: Guess[str]
    header_line: int
    rows: int  # rows surveyed: all of them unless the file exceeds SURVEY_BYTES
    columns: dict[str, Guess[str]]  # canonical field -> Guess(source header, why)
    unmapped: dict[str, str] = field(default_factory=dict)  # source header -> why not mapped
    decimal: Guess[str] = Guess("auto", "")
    date_format: Guess[str | None] = Guess(None, "")
    dayfirst: Guess[bool] = Guess(True, "")
    currency: Guess[str] = Guess("RUB", "")
    grain: Guess[str] = Guess("order_line", "")
    date_range: tuple[str, str] | None = None
    missing: tuple[str, ...] = ()  # required fields no column was found for


def survey_export(path: str | Path, *, entry: str) -> ExportSurvey:
    """Read ``path`` with the loader's own code and guess every source setting, with evidence.

    Parameters
    ----------
    path : str or Path
        The export (CSV, Excel or Parquet).
    entry : str
        How the params will name it (``source.paths``), used in messages.

    Returns
    -------
    ExportSurvey
        Guesses with evidence; ``missing`` lists required fields without a column.

    Raises
    ------
    loading.LoadError
        The file cannot be read at all (empty, unsupported format or encoding, ...).
    """
    scan = scan_bytes(file_chunks(Path(path)))  # the whole file: the encoding is decided on all of it
    if scan.blank:
        raise LoadError(f"{entry}: the file is empty.")
    fmt = _detect_format(entry, Path(path), scan.head, "auto")
    source = SourceParams(paths=[entry])
    if fmt == "csv":
        data = _head(Path(path), scan.size)
        table, extra = read_csv(entry, data, source, scan)
        encoding, delimiter = _encoding_guess(scan, extra["encoding"]), _delimiter_guess(data, extra)
    else:
        from insights.loading.columnar import read_parquet

        reader = read_excel if fmt == "excel" else read_parquet
        table, extra = reader(entry, Path(path).read_bytes(), source)
        encoding = delimiter = Guess("auto", f"not read for {fmt} files")
    columns, unmapped = choose_columns(table)
    values = {name: _values(table, guess.value, name) for name, guess in columns.items()}
    dates = _date_guesses(values.get("order_date"))
    return ExportSurvey(
        entry, Guess(fmt, f"from the suffix {Path(path).suffix!r} and the first bytes"),
        encoding, delimiter, int(extra.get("header_line") or 1), len(table.lines), columns,
        unmapped, decimal=_decimal_guess(values.get("amount")), **dates,
        currency=_currency_guess(values.get("currency"), values.get("amount")),
        grain=_grain_guess(values.get("order_id")),
        date_range=_date_range(values.get("order_date"), dates),
        missing=tuple(f for f in ("customer_id", "order_date", "amount") if f not in columns),
    )


def _head(path: Path, size: int) -> bytes:
    """Return the file's bytes, or its first ``SURVEY_BYTES`` cut after the last full line."""
    with path.open("rb") as handle:
        data = handle.read(SURVEY_BYTES if size > SURVEY_BYTES else size)
    return data if size <= SURVEY_BYTES else data[: data.rfind(b"\n") + 1]


def _date_range(dates: list | None, guesses: dict) -> tuple[str, str] | None:
    """Return the first and last order date as read with the guessed settings."""
    if not dates:
        return None
    parsed = parse_dates(pd.Series(dates, dtype=object), date_format=guesses["date_format"].value,
                         dayfirst=guesses["dayfirst"].value).values.dropna()
    return (str(parsed.min().date()), str(parsed.max().date())) if len(parsed) else None


def choose_columns(table: Table) -> tuple[dict[str, Guess[str]], dict[str, str]]:
    """Pick one source column per canonical field by header, confirmed by its values.

    Fields are filled in ``CANONICAL`` order (required first), each with the unclaimed
    header matching its strongest phrase; typed fields must have values of their type.
    A required date or amount field with no matching header falls back to the one column
    whose values are all dates (for ``order_date``).
    """
    headers = {_norm(h): h for h in table.header}
    chosen: dict[str, Guess[str]] = {}
    taken: set[str] = set()
    for target in CANONICAL:
        for phrase in (target, target.replace("_", " "), *HEADERS.get(target, ())):
            header = headers.get(_norm(phrase))
            if header is None or header in taken:
                continue
            why = _type_check(target, _values(table, header, target))
            if why.startswith("refused"):
                continue
            rule = "is the canonical name" if _norm(phrase) in (target, target.replace("_", " ")) \
                else f"header matches {phrase!r}"
            chosen[target] = Guess(header, f"{rule}; {why}" if why else rule)
            taken.add(header)
            break
    if "order_date" not in chosen:
        _fallback_date(table, chosen, taken)
    unmapped = {h: "no canonical field matched its header" for h in table.header if h not in taken}
    return chosen, unmapped


def _fallback_date(table: Table, chosen: dict[str, Guess[str]], taken: set[str]) -> None:
    """Choose the only unclaimed column whose values all read as dates for ``order_date``."""
    dated = [h for h in table.header if h not in taken
             and _date_share(pd.Series(_values(table, h, "order_date"), dtype=object)) >= MIN_TYPED_SHARE]
    if len(dated) == 1:
        chosen["order_date"] = Guess(dated[0], "no header named a date, but it is the only "
                                     "column whose values read as dates")
        taken.add(dated[0])


def _type_check(target: str, values: list | None) -> str:
    """Return why a column's values fit ``target`` ('' when untyped), or 'refused: ...'."""
    if values is None:
        return "refused: its stored type cannot hold this field"
    series = pd.Series(values, dtype=object)
    if target == "order_date":
        share = _date_share(series)
    elif target == "amount" or target in OPTIONAL_NUMERIC:
        share = _share(parse_numbers(series))
    else:
        return ""
    kind = "dates" if target == "order_date" else "numbers"
    if share < MIN_TYPED_SHARE:
        return f"refused: only {share:.0%} of its values read as {kind}"
    return f"{share:.1%} of its non-empty values read as {kind}"


def _date_share(values: pd.Series) -> float:
    """Return the share of non-empty values read as dates, day-first or month-first."""
    return max(_share(parse_dates(values)), _share(parse_dates(values, dayfirst=False)))


def _share(parsed) -> float:
    """Return the share of non-empty values that parsed."""
    present = int((~parsed.empty).sum())
    return 1.0 - int(parsed.invalid.sum()) / present if present else 0.0


def _values(table: Table, header: str | None, target: str) -> list | None:
    """Return up to ``SAMPLE_ROWS`` values of ``header`` read as ``target`` (None: wrong type)."""
    if header is None:
        return None
    try:
        values = table.column(table.header.index(header), target)
    except LoadError:  # a typed (Parquet) column whose type cannot hold the target
        return None
    return list(values)[:SAMPLE_ROWS]


def _typed(values: list) -> bool:
    """Return True when no value is text: the file stores typed numbers or dates."""
    return not any(isinstance(v, str) for v in values)


def _encoding_guess(scan, encoding: str) -> Guess[str]:
    """State the encoding the loader chose and the byte-level fact behind it."""
    if encoding == "utf-8-sig":
        return Guess(encoding, "the file starts with a UTF-8 byte-order mark and decodes as UTF-8")
    if encoding == "utf-8":
        return Guess(encoding, f"all {scan.size:,} bytes decode as UTF-8 (no byte-order mark)")
    error = scan.utf8_error
    where = f"line {error.line} (byte {error.byte:#04x})" if error else "the file"
    return Guess(encoding, f"not UTF-8 from {where}; read as cp1251 the words are Russian")


def _delimiter_guess(data: bytes, extra: dict) -> Guess[str]:
    """State the delimiter the loader sniffed and how each candidate split the first lines."""
    chosen = extra["delimiter"]
    encoding = extra["encoding"]
    lines = data.decode(encoding, errors="replace").splitlines()
    start = int(extra.get("header_line") or 1) - 1
    sample = lines[start:start + SNIFF_LINES]
    counts = []
    for candidate in DELIMITERS:
        rows = [r for r in _loose_rows(sample, candidate) if any(f.strip() for f in r)]
        if rows and len(rows[0]) < 2:
            counts.append(f"{_NAMES[candidate]}: does not split the header")
        elif rows:
            same = sum(len(r) == len(rows[0]) for r in rows)
            counts.append(f"{_NAMES[candidate]}: {len(rows[0])} fields in the header, "
                          f"{same} of {len(rows)} lines alike")
    return Guess(chosen, "of the first lines, " + "; ".join(counts))


_NAMES = {";": "';'", "\t": "tab", ",": "','", "|": "'|'"}


def _decimal_guess(amounts: list | None) -> Guess[str]:
    """Count the amounts only a decimal comma reads, and those only a point reads."""
    if not amounts:
        return Guess("auto", "no amount column to look at; auto decides per column")
    if _typed(amounts):
        return Guess("auto", "the file stores the amounts as numbers: there is no decimal mark to read")
    series = pd.Series(amounts, dtype=object)
    comma = parse_numbers(series, decimal=",").values
    point = parse_numbers(series, decimal=".").values
    only_comma = int((comma.notna() & point.isna()).sum())
    only_point = int((point.notna() & comma.isna()).sum())
    counts = f"{only_comma:,} amounts read only with a decimal comma, {only_point:,} only with a point"
    if only_comma and not only_point:
        return Guess(",", counts)
    if only_point and not only_comma:
        return Guess(".", counts)
    return Guess("auto", f"{counts}: no single reading, auto decides per column")


def _date_guesses(dates: list | None) -> dict:
    """Return ``date_format`` and ``dayfirst`` guesses from the order dates' shapes."""
    if not dates:
        return {}
    if _typed(dates):
        note = "the file stores the dates as dates: there is no date order to read"
        return {"dayfirst": Guess(True, note), "date_format": Guess(None, note)}
    shapes = [m for v in dates if isinstance(v, str) and (m := _DATE_SHAPE.match(v))]
    iso = [m for m in shapes if len(m.group(1)) == 4]
    dmy = [m for m in shapes if len(m.group(1)) <= 2]
    day_first = sum(int(m.group(1)) > 12 for m in dmy)
    month_first = sum(int(m.group(3)) > 12 for m in dmy)
    counts = (f"{len(dates):,} dates: {len(iso):,} year first, {len(dmy):,} day/month first; "
              f"{day_first:,} have a first field above 12 (only day-first reads them), "
              f"{month_first:,} a second field above 12 (only month-first reads them)")
    if month_first and not day_first:
        dayfirst = Guess(False, counts)
    elif day_first and month_first:
        dayfirst = Guess(True, f"{counts}: the dates disagree; check the export")
    else:
        dayfirst = Guess(True, counts + ("" if day_first else "; nothing decides, day-first assumed"))
    return {"dayfirst": dayfirst, "date_format": _date_format(dates, dmy, iso, dayfirst.value)}


def _date_format(dates: list, dmy: list, iso: list, dayfirst: bool) -> Guess[str | None]:
    """Return the one strftime pattern every date fits, or None (ISO or day-first parsing)."""
    if not dmy or iso:
        return Guess(None, "dates are ISO or mixed; parsed as ISO or by date order")
    seps = {m.group(2) for m in dmy}
    years = {len(m.group(4)) for m in dmy}
    if len(seps) != 1 or len(years) != 1:
        return Guess(None, "dates use several separators or year widths; parsed by date order")
    sep, year = seps.pop(), "%Y" if years.pop() == 4 else "%y"
    fmt = sep.join(["%d", "%m", year] if dayfirst else ["%m", "%d", year])
    parsed = parse_dates(pd.Series(dates, dtype=object), date_format=fmt)
    share = _share(parsed)
    return Guess(fmt, f"{share:.1%} of the non-empty dates read with it")


def _currency_guess(codes: list | None, amounts: list | None) -> Guess[str]:
    """Return the currency: the currency column's commonest code, a mark in amounts, or RUB."""
    if codes:
        counts = normalise_currency(pd.Series(codes, dtype=object)).replace("", pd.NA).value_counts()
        if len(counts):
            shown = ", ".join(f"{code} {n:,}" for code, n in counts.items())
            more = "; rows in other currencies will be rejected" if len(counts) > 1 else ""
            return Guess(str(counts.index[0]), f"currency column: {shown}{more}")
    if amounts:
        marks = parse_numbers(pd.Series(amounts, dtype=object)).currency
        found = marks.dropna().value_counts() if marks is not None else pd.Series(dtype=int)
        if len(found):
            return Guess(str(found.index[0]), "currency marks in the amounts: "
                         + ", ".join(f"{c} {n:,}" for c, n in found.items()))
    return Guess("RUB", "no currency column and no currency mark in the amounts: RUB assumed")


def _grain_guess(order_ids: list | None) -> Guess[str]:
    """Return order_line when an order id appears on several rows, else order."""
    if not order_ids:
        return Guess("order_line", "no order id column; purchases are distinct dates")
    ids = pd.Series(order_ids, dtype=object).astype(str).str.strip()
    ids = ids[ids != ""]
    repeated = int(ids.duplicated(keep=False).groupby(ids).any().sum())
    if repeated:
        return Guess("order_line", f"{repeated:,} order ids appear on more than one row")
    return Guess("order", f"each of the {ids.nunique():,} order ids appears on one row")
