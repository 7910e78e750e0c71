"""What batch-by-batch cleaning cannot see, settled over a whole streamed input.

Used by ``insights.ingest.stream``; each piece gives what ``cleaning.clean_transactions`` gives on
the whole input at once:

- ``BatchLedger``: what each batch held -- its canonical columns (a file may lack a column
  another file maps; in memory those rows get empty values) and, with ``source.decimal:
  auto``, how many values of each number column only a decimal comma / only a decimal
  point reads. Cleaning decides the separator from those counts, so the whole input's
  counts decide; a batch whose own counts decide otherwise is cleaned again with rows
  that tip its decision (``deciders``, dropped afterwards), and ``notes`` are the
  whole input's.
- ``reject_across_batches``: exact duplicates and order ids whose rows conflict, found by
  DuckDB over the written dataset (memory-bounded, spilling to disk) with cleaning's
  rules and reasons, and moved to the quarantine.
- ``ExactSum`` and ``summarize_streamed_quality``: the reconciliation of
  ``cleaning.summarize_quality``, with sums equal to ``math.fsum`` over all rows.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from insights.cleaning import QUARANTINE_COLUMNS, REJECT_RULES, readings
from insights.cleaning.quality import check_totals
from insights.cleaning.values import as_text, parse_numbers
from insights.engine.duckdb import memory_limit
from insights.ingest.parts import DECIDER_FILE, _read_raw, _write
from insights.schema import CANONICAL, OPTIONAL_NUMERIC, OPTIONAL_TEXT

#: DuckDB memory for the cross-batch checks; beyond it DuckDB spills to the work folder.
_NUMBER_COLUMNS = ("amount",) + OPTIONAL_NUMERIC
_SCALE = 1126  # 2**-1126 is below the smallest float64 step of frexp mantissas


class ExactSum:
    """The correctly rounded sum of floats given in arrays: what ``math.fsum`` returns."""

    def __init__(self) -> None:
        self.total = 0  # an integer number of 2**-_SCALE

    def add(self, values) -> ExactSum:
        """Add the non-missing values of an array; return self."""
        values = np.asarray(values, dtype="float64")
        values = values[~np.isnan(values)]
        if len(values):
            mantissa, exponent = np.frexp(values)
            ints = (mantissa * 2.0**53).astype(np.int64)  # exact: |mantissa| < 1
            exponent = exponent.astype(np.int16)  # -1073..1024; a 16-bit key is radix sorted
            order = np.argsort(exponent, kind="stable")
            exps = exponent[order]
            starts = np.flatnonzero(np.concatenate(([True], exps[1:] != exps[:-1])))
            high = np.add.reduceat(ints[order] >> 26, starts)  # split so sums cannot overflow
            low = np.add.reduceat(ints[order] & ((1 << 26) - 1), starts)
            for e, h, lo in zip(exps[starts].tolist(), high.tolist(), low.tolist(), strict=True):
                self.total += ((h << 26) + lo) << (e - 53 + _SCALE)
        return self

    def value(self) -> float:
        """Return the sum rounded once to a float."""
        return float(Fraction(self.total, 1 << _SCALE))


def _decision(comma: int, point: int) -> str:
    """Return how cleaning reads a column from its only-comma / only-point counts."""
    return "comma" if comma > point else "point" if point > comma else "tie"


class BatchLedger:
    """Columns and decimal-separator counts of each batch, to settle them over the input."""

    def __init__(self, source) -> None:
        self.source, self.auto = source, source.decimal == "auto"
        self.columns: dict[str, object] = {}  # canonical column -> dtype, in order seen
        self.batches: dict[int, tuple[set, dict]] = {}
        self.totals: dict[str, list[int]] = {}
        self.dates, self.groups = readings.Evidence(), readings.Evidence()

    def count(self, number: int, frame: pd.DataFrame) -> None:
        """Record a batch's canonical columns and, for ``decimal: auto``, its counts."""
        present = {c for c in frame.columns if c in CANONICAL}
        for column in present:
            self.columns.setdefault(column, frame[column].dtype)
        counts = {}
        for column in (c for c in _NUMBER_COLUMNS if c in present and self.auto):
            if _is_text(frame[column]):
                counts[column] = _only_counts(frame[column], self.source.thousands)
                total = self.totals.setdefault(column, [0, 0])
                total[0], total[1] = total[0] + counts[column][0], total[1] + counts[column][1]
        self.batches[number] = (present, counts)
        files, lines = frame["source_file"].astype("str"), frame["source_line"]
        wanted = [("amount", self.groups, readings.thousands_evidence)] * (
            self.source.thousands == "auto") + [
            ("order_date", self.dates, readings.date_order_evidence)] * (not self.source.date_format)
        for column, evidence, gather in wanted:
            text = readings.written(frame[column], as_text(frame[column]))
            evidence.merge(gather(text, files, lines))

    def judge(self) -> dict:
        """Judge date order and lone thousands groups over the whole input, as cleaning does.

        Returns cleaning's ``date_order`` and ``thousands:amount`` counts; raises
        ``cleaning.InputError`` where cleaning of the whole input at once would.
        """
        source = self.source
        decision = _decision(*self.totals["amount"]) if "amount" in self.totals else "tie"
        used = source.decimal if source.decimal != "auto" else (
            "," if decision == "comma" else "." if decision == "point" else None)
        counts = {"thousands:amount": readings.judge_thousands(
            self.groups, column="amount", used=used, thousands=source.thousands),
            "date_order": readings.judge_date_order(
                self.dates, date_format=source.date_format, dayfirst=source.dayfirst)}
        return {k: n for k, n in counts.items() if n}

    def disagreeing(self) -> set[int]:
        """Return the batches to clean again: a column missing, or a decimal decided otherwise."""
        redo = set()
        for number, (present, counts) in self.batches.items():
            if present != set(self.columns) or any(
                _decision(*counts[c]) != _decision(*self.totals[c]) for c in counts
            ):
                redo.add(number)
        return redo

    def complete(self, number: int, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Return the batch with every column of the input, and rows steering its decimal."""
        missing = {c: pd.Series(np.nan, index=frame.index).astype(d)
                   for c, d in self.columns.items() if c not in frame.columns}
        frame = frame.assign(**missing)
        counts = self.batches[number][1]
        values = []
        for column, (comma, point) in counts.items():
            wanted = _decision(*self.totals[column])
            need_comma = (point - comma + 1 if wanted == "comma" else
                          max(point - comma, 0) if wanted == "tie" else 0)
            need_point = (comma - point + 1 if wanted == "point" else
                          max(comma - point, 0) if wanted == "tie" else 0)
            values += [(column, "0,5")] * max(need_comma, 0) + [(column, "0.5")] * max(need_point, 0)
        return frame, _decider_rows(frame, values)

    def notes(self) -> list[str]:
        """Return cleaning's notes on the decimal separator, decided over the whole input."""
        notes = []
        for column in (c for c in _NUMBER_COLUMNS if c in self.totals):
            comma, point = self.totals[column]
            decision = _decision(comma, point)
            note = {"comma": "decimal comma (detected)", "point": "decimal point (detected)"}.get(
                decision, "no value showed the decimal separator; 1,234 read as 1234" if comma else None)
            notes += [f"{column}: {note}"] if note else []
        return notes


def _is_text(values: pd.Series) -> bool:
    """Return True when cleaning parses the column as text (not a numeric or bool dtype)."""
    return not (pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_numeric_dtype(values.dtype))


def _only_counts(values: pd.Series, thousands: str) -> tuple[int, int]:
    """Return how many values only a decimal comma reads, and only a decimal point reads."""
    comma = parse_numbers(values, decimal=",", thousands="" if thousands == "," else thousands).values
    point = parse_numbers(values, decimal=".", thousands="" if thousands == "." else thousands).values
    return int((comma.notna() & point.isna()).sum()), int((point.notna() & comma.isna()).sum())


def _decider_rows(frame: pd.DataFrame, values: list[tuple[str, str]]) -> pd.DataFrame:
    """Return rows without a customer (always rejected) holding one number each."""
    empty = frame.iloc[:0].reindex(range(len(values)))
    fill = {c: "" for c in empty.columns if c in CANONICAL and pd.api.types.is_string_dtype(empty[c])}
    rows = empty.assign(**fill, source_file=DECIDER_FILE,
                        source_line=np.arange(-1, -len(values) - 1, -1, dtype="int64"))
    for i, (column, value) in enumerate(values):
        rows.loc[i, column] = value
    return rows.astype({"source_file": frame["source_file"].dtype})


def reject_across_batches(work: Path, *, paths: list[str], grain: str,
                          duplicates: str = "drop") -> dict:
    """Move duplicates and conflicting orders found across batches to the quarantine.

    ``work/data`` holds the rows that passed every per-row check, ``work/raw`` every
    batch's loaded (original) values; the rejected rows leave ``data`` and join
    ``work/quarantine`` with cleaning's rules (``duplicate_row``, ``order_conflict``) and reasons. Repeated rows
    without an order id are possible duplicates (``source.duplicates``): counted, and moved
    only with ``drop``. Returns cleaning's ``possible_duplicates`` counts.
    """
    parts = sorted((work / "data").glob("part-*.parquet"))
    if not parts:
        return {}
    names = pq.read_schema(parts[0]).names
    keys = [c for c in CANONICAL if c in names]
    with duckdb.connect() as con:
        con.execute(f"SET memory_limit = '{memory_limit()}'")
        con.execute(f"SET temp_directory = '{_sql_text(str(work / 'duckdb'))}'")
        con.register("files", pd.DataFrame({"source_file": pd.Series(paths, dtype="str"),
                                            "_f": np.arange(len(paths), dtype="int64")}))
        glob = _sql_text(str(work / "data" / "part-*.parquet"))
        con.execute(f"CREATE TEMP VIEW kept AS SELECT * FROM read_parquet('{glob}', filename = true)")
        suspects = _suspects(con, keys, grain)
        if suspects is None:  # no row repeats another's hash and no order mixes: nothing to find
            return {}
        con.execute("CREATE TEMP TABLE ok AS SELECT t.*, f._f FROM kept t "
                    f"JOIN files f USING (source_file) WHERE {suspects}")
        counts = _possible_duplicates(con, keys, drop=duplicates == "drop")
        _find_rejects(con, keys, grain)
        for (part,) in con.execute("SELECT DISTINCT part FROM rejects ORDER BY part").fetchall():
            found = con.execute("SELECT * FROM rejects WHERE part = ? ORDER BY source_line",
                                [part]).df()
            _move(Path(part), work, found, paths, grain)
    return counts


def _possible_duplicates(con, keys: list[str], *, drop: bool) -> dict:
    """Count rows without an order id repeating an earlier one; keep them out of ``ok`` unless ``drop``."""
    kinds = {c: "number" if c in _NUMBER_COLUMNS else "other" for c in keys}
    partition = ", ".join(_key(c, kinds[c]) for c in keys)
    no_id = "order_id IS NULL" if "order_id" in keys else "TRUE"
    amounts = [v for (v,) in con.execute(f"""SELECT amount FROM (
        SELECT amount, row_number() OVER (PARTITION BY {partition} ORDER BY _f, source_line) AS rn
        FROM ok WHERE {no_id}) WHERE rn > 1 ORDER BY amount""").fetchall()]
    if not drop:
        con.execute(f"DELETE FROM ok WHERE {no_id}")
    if not amounts:
        return {}
    return {"possible_duplicates": len(amounts), "possible_duplicates_amount": math.fsum(amounts)}


def _suspects(con, keys: list[str], grain: str) -> str | None:
    """Return a filter keeping only rows that may be duplicates or in a conflicting order.

    One pass hashes every kept row: a row can be a duplicate only if its hash (of the same
    keys the duplicate check compares) occurs twice, and an order can conflict only if the
    hashes of its compared columns differ. Only those rows (a handful in real exports) go
    through the exact checks of ``_find_rejects``, instead of sorting the whole dataset.
    None when no row is a suspect (the dataset is then not scanned a third time).
    """
    kinds = {c: "number" if c in _NUMBER_COLUMNS else "other" for c in keys}
    row_hash = "hash(" + ", ".join(_key(c, kinds[c]) for c in keys) + ")"
    con.execute(f"CREATE TEMP TABLE twin_hashes AS SELECT {row_hash} AS h FROM kept "
                "GROUP BY 1 HAVING count(*) > 1")
    test = f"{row_hash} IN (SELECT h FROM twin_hashes)"
    compare = ["customer_id"] if grain == "order_line" else [c for c in keys if c != "order_id"]
    if "order_id" in keys:
        compared = "hash(" + ", ".join(_key(c, kinds[c]) for c in compare) + ")"
        con.execute("CREATE TEMP TABLE mixed_orders AS SELECT order_id FROM kept "
                    f"WHERE order_id IS NOT NULL GROUP BY 1 HAVING min({compared}) <> max({compared})")
        test += " OR order_id IN (SELECT order_id FROM mixed_orders)"
    tables = ["twin_hashes"] + ["mixed_orders"] * ("order_id" in keys)
    found = " OR ".join(f"EXISTS (SELECT 1 FROM {t})" for t in tables)
    return f"({test})" if con.execute(f"SELECT {found}").fetchone()[0] else None


def _sql_text(text: str) -> str:
    """Return text safe inside single quotes in SQL."""
    return text.replace("'", "''")


def _key(column: str, kind) -> str:
    """Return a column as a grouping key (0.0 and -0.0 are one value, as in pandas)."""
    quoted = f'"{column}"'
    return f"CASE WHEN {quoted} = 0 THEN 0.0 ELSE {quoted} END" if kind == "number" else quoted


def _find_rejects(con, keys: list[str], grain: str) -> None:
    """Create the table ``rejects``: duplicates first, then conflicts among the rest."""
    kinds = {c: "number" if c in _NUMBER_COLUMNS else "other" for c in keys}
    partition = ", ".join(_key(c, kinds[c]) for c in keys)
    con.execute(f"""CREATE TEMP TABLE dups AS
        SELECT filename AS part, source_line, first_f, first_line FROM (
          SELECT filename, source_line, first_value(_f) OVER w AS first_f,
                 first_value(source_line) OVER w AS first_line, row_number() OVER w AS rn
          FROM ok WINDOW w AS (PARTITION BY {partition} ORDER BY _f, source_line))
        WHERE rn > 1""")
    compare = ["customer_id"] if grain == "order_line" else [c for c in _parsed_order(keys) if c != "order_id"]
    if "order_id" not in keys:
        compare = []
    differs = [f"count(DISTINCT {_key(c, kinds[c])}) + max(CASE WHEN \"{c}\" IS NULL THEN 1 ELSE 0 END) > 1"
               for c in compare]
    flags = ", ".join(f"{d} AS d{i}" for i, d in enumerate(differs)) or "FALSE AS d0"
    names = ", ".join(f"CASE WHEN d{i} THEN '{c}' END" for i, c in enumerate(compare)) or "NULL"
    where = " OR ".join(f"d{i}" for i in range(len(compare))) or "FALSE"
    fresh = "NOT EXISTS (SELECT 1 FROM dups d WHERE d.part = ok.filename AND d.source_line = ok.source_line)"
    order_filter = "order_id IS NOT NULL" if "order_id" in keys else "FALSE"
    order_col = "order_id" if "order_id" in keys else "source_file"  # no order id: no match
    con.execute(f"""CREATE TEMP TABLE orders AS
        SELECT order_id, n, first_line, concat_ws(', ', {names}) AS names FROM (
          SELECT {order_col} AS order_id, count(*) AS n, min(source_line) AS first_line, {flags}
          FROM ok WHERE {order_filter} AND {fresh} GROUP BY 1) WHERE {where}""")
    con.execute(f"""CREATE TEMP TABLE rejects AS
        SELECT part, source_line, 'duplicate_row' AS rule, first_f, first_line,
               NULL::BIGINT AS n, NULL::VARCHAR AS names, NULL::VARCHAR AS order_id FROM dups
        UNION ALL
        SELECT ok.filename, ok.source_line, 'order_conflict', NULL, o.first_line, o.n, o.names,
               o.order_id
        FROM ok JOIN orders o ON ok.{order_col} = o.order_id WHERE {fresh}""")


def _parsed_order(keys: list[str]) -> list[str]:
    """Return columns in the order cleaning compares them (required, then parsed optional)."""
    first = ["customer_id", "amount", "order_date", "currency", *OPTIONAL_NUMERIC, "is_reference"]
    return [c for c in first if c in keys] + [c for c in OPTIONAL_TEXT if c in keys and c not in first]


def _move(part: Path, work: Path, found: pd.DataFrame, paths: list[str], grain: str) -> None:
    """Rewrite one part without the found rows; write them to the quarantine with reasons."""

    kept = pq.read_table(part).to_pandas()
    original = _read_raw(work / "raw" / part.with_suffix(".arrow").name, found["source_line"])
    gone = kept["source_line"].isin(found["source_line"])
    _write(kept[~gone], part)
    rows = kept[gone].set_index("source_line").loc[found["source_line"]]
    reasons = _reasons(found, rows["source_file"].to_numpy(), paths, grain)
    original = original.loc[found["source_line"]]
    body = [c for c in CANONICAL if c in original.columns]
    rejected = pd.DataFrame({
        "source_file": pd.Series(rows["source_file"].to_numpy(), dtype="str"),
        "source_line": found["source_line"].to_numpy(dtype="int64"),
        "column": np.where(found["rule"] == "duplicate_row", "(row)", "order_id"),
        "raw_value": found["order_id"].fillna("").to_numpy(),
        "reason": reasons, "rule": found["rule"].to_numpy(),
        "amount_value": rows["amount"].to_numpy(dtype="float64"),
    }).astype({c: "str" for c in ("column", "raw_value", "reason", "rule")})
    rejected = pd.concat([rejected, original[body].reset_index(drop=True)], axis=1)
    _write(rejected[list(QUARANTINE_COLUMNS) + body],
           work / "quarantine" / part.name.replace("part-", "clean-").replace(".parquet", "-x.parquet"))


def _reasons(found: pd.DataFrame, files, paths: list[str], grain: str) -> list[str]:
    """Return cleaning's reason sentences for duplicates and conflicting orders."""
    expected = ("one row per order (source.grain: order)" if grain == "order"
                else "an order belongs to one customer")
    out = []
    for row, file in zip(found.itertuples(index=False), files, strict=True):
        if row.rule == "duplicate_row":
            first_file = paths[int(row.first_f)]
            where = str(row.first_line) + ("" if first_file == file else f" of {first_file}")
            out.append(f"an exact duplicate of line {where} (every column equal); the first "
                       "copy is kept")
        else:
            order = row.order_id if len(row.order_id) <= 60 else row.order_id[:60] + "…"
            out.append(f"order '{order}' has {row.n} rows (first on line {row.first_line}) with "
                       f"different {row.names}; {expected}")
    return out


def summarize_streamed_quality(work: Path, sources: list[dict], *, notes: list[str]) -> dict:
    """Return ``cleaning.summarize_quality``'s dict from the written dataset and quarantine."""
    kept_sum, kept_rows, totals = ExactSum(), 0, []
    file_sums: dict[str, ExactSum] = {}
    for part in sorted((work / "data").glob("part-*.parquet")):  # file names as a dictionary
        table = pq.read_table(part, columns=["amount", "source_file"],
                              read_dictionary=["source_file"]).to_pandas()
        kept_rows += len(table)
        for path, amounts in table.groupby("source_file", sort=False, observed=True,
                                           dropna=False)["amount"]:
            total = ExactSum().add(amounts).total  # exact integers: added, not summed again
            file_sums.setdefault(str(path), ExactSum()).total += total
            kept_sum.total += total
    stages: dict[str, list] = {"load": [0, ExactSum()], "clean": [0, ExactSum()]}
    by_rule: dict[str, list] = {}
    missing = 0
    for part in sorted((work / "quarantine").glob("*.parquet")):
        table = pq.read_table(part, columns=["rule", "amount_value", "source_file",
                                             "source_line"]).to_pandas()
        is_total = table["rule"] == "total_row"
        totals += [(f, int(line), a) for f, line, a in table.loc[
            is_total, ["source_file", "source_line", "amount_value"]].itertuples(index=False)]
        for path, amounts in table[~is_total].groupby("source_file", sort=False)["amount_value"]:
            file_sums.setdefault(path, ExactSum()).add(amounts)
        stage = stages[part.name.split("-")[0]]
        stage[0] += len(table)
        stage[1].add(table["amount_value"])
        missing += int((table["rule"] == "missing_customer_id").sum())
        for rule, group in table.groupby("rule", sort=False):
            entry = by_rule.setdefault(rule, [0, ExactSum(), False])
            entry[0] += len(group)
            entry[1].add(group["amount_value"])
            entry[2] = entry[2] or bool(group["amount_value"].notna().any())
    quality = _quality_dict(sources, kept_rows, kept_sum, stages, by_rule, missing, notes)
    totals.sort(key=lambda t: ([s["path"] for s in sources].index(t[0]), t[1]))
    sums = {path: total.value() for path, total in file_sums.items()}
    return quality | {"total_rows": check_totals(sums, totals)}


def _quality_dict(sources: list[dict], kept_rows: int, kept_sum: ExactSum, stages: dict,
                  by_rule: dict, missing: int, notes: list[str]) -> dict:
    """Assemble the reconciliation dict in ``cleaning.summarize_quality``'s layout."""
    rows_read = int(sum(s["rows_read"] for s in sources))
    (load_rows, _), (clean_rows, clean_sum) = stages["load"], stages["clean"]
    read = ExactSum()
    read.total = kept_sum.total + clean_sum.total
    amount_read, kept_amount, rejected_amount = read.value(), kept_sum.value(), clean_sum.value()
    by_reason = [{"rule": rule, "label": REJECT_RULES.get(rule, rule), "rows": int(rows),
                  "amount": total.value() if any_amount else None}
                 for rule, (rows, total, any_amount) in by_rule.items()]
    by_reason.sort(key=lambda r: (-r["rows"], r["rule"]))
    amounts_match = math.isclose(amount_read, kept_amount + rejected_amount, rel_tol=1e-9,
                                 abs_tol=0.005)
    keys = ("path", "format", "encoding", "delimiter", "sheet", "rows_read", "sha256",
            "header_line", "blank_lines", "data_lines", "lines")
    return {
        "rows_read": rows_read, "rows_kept": kept_rows,
        "rows_rejected": load_rows + clean_rows, "rows_rejected_loading": load_rows,
        "rows_rejected_cleaning": clean_rows, "amount_read": amount_read,
        "amount_kept": kept_amount, "amount_rejected": rejected_amount,
        "rejected_by_reason": by_reason,
        "unknown_customer_share": missing / rows_read if rows_read else 0.0,
        "files": [{k: s.get(k) for k in keys} for s in sources],
        "notes": [n for s in sources for n in s.get("notes", [])] + list(notes),
        "reconciles": bool(rows_read == kept_rows + load_rows + clean_rows and amounts_match),
    }
