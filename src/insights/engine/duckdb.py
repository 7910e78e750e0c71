"""Run the feature queries: DuckDB in process by default, Spark or PostgreSQL when asked.

The transactions are exposed to the query as a relation named ``source``: a pandas frame
is scanned in place (DuckDB reads its columns without copying them into a table), and a
Parquet file, directory or glob is scanned by DuckDB directly, so the transactions are
never materialised in pandas. Each call uses its own connection (a cursor on one in-memory
database per process: opening a database costs 20-50 ms, a cursor 1 ms), so no view or
setting of one query is seen by another, and results are sorted by the query's ORDER BY. ``run_sql`` picks the engine:
a ``PostgresTable`` source runs in its database, ``engine="spark"`` on Spark SQL
(``engine_spark``), anything else on DuckDB -- always the same SQL text from
``feature_sql``, built for the engine's dialect.
"""

from __future__ import annotations

import glob
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeAlias

import duckdb
import pandas as pd
import pyarrow.parquet as pq
from typing_extensions import TypeIs

from insights.engine import dialect as sql
from insights.engine.dialect import Query
from insights.engine.postgres import PostgresTable, run_postgres, table_columns
from insights.schema import CANONICAL, REQUIRED, ContractError, require_columns

#: Engines the feature functions accept (``FeatureParams.engine``).
ENGINES = ("duckdb", "spark")

#: What the feature functions accept as transactions.
Source: TypeAlias = pd.DataFrame | str | os.PathLike


def is_parquet_source(source: object) -> TypeIs[str | os.PathLike]:
    """Return True when ``source`` names Parquet data (a path) rather than a DataFrame."""
    return isinstance(source, str | os.PathLike)


def parquet_glob(source: str | os.PathLike) -> str:
    """Return the file or glob DuckDB scans for a Parquet file, directory or glob."""
    path = Path(source)
    if path.is_dir():
        return str(path / "**" / "*.parquet")
    if not any(ch in str(source) for ch in "*?[") and not path.exists():
        raise FileNotFoundError(f"Parquet transactions not found: {path}")
    return str(source)


def _attach_source(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    if is_parquet_source(source):
        con.read_parquet(parquet_glob(source), hive_partitioning=True, union_by_name=True).create_view("source")
    else:
        con.register("source", source)


def _parquet_files(source: str | os.PathLike) -> list[str]:
    pattern = parquet_glob(source)
    return sorted(glob.glob(pattern, recursive=True)) if any(ch in pattern for ch in "*?[") else [pattern]


def order_ids_complete(source: Source) -> bool:
    """Return True when every row has an ``order_id`` (Parquet: from file statistics only).

    Lets the queries group orders by id alone; False (the safe answer) when unsure.
    """
    if not is_parquet_source(source):
        return "order_id" in source.columns and bool(source["order_id"].notna().all())
    for path in _parquet_files(source):
        meta = pq.ParquetFile(path).metadata
        names = [meta.schema.column(i).name for i in range(meta.num_columns)]
        if "order_id" not in names:
            return False
        index = names.index("order_id")
        for group in range(meta.num_row_groups):
            stats = meta.row_group(group).column(index).statistics
            if stats is None or not stats.has_null_count or stats.null_count:
                return False
    return True


def source_columns(source: Source) -> list[str]:
    """Return the column names of a DataFrame or of Parquet data (its schema only)."""
    if not is_parquet_source(source):
        return [str(c) for c in source.columns]
    with _connect() as con:
        _attach_source(con, source)
        return [row[0] for row in con.execute("DESCRIBE source").fetchall()]


def memory_limit() -> str:
    """Return DuckDB's memory limit: ``INSIGHTS_DUCKDB_MEMORY``, else what the machine can spare.

    That is half the physical memory, but no more than 60% of the memory available when
    the query starts (``MemAvailable``), so a query late in a large report does not claim
    what the report's own frames already hold. DuckDB's own default (80% of the machine)
    does not look at either; past the limit its aggregates spill to a temporary directory
    instead of failing.
    """
    configured = os.environ.get("INSIGHTS_DUCKDB_MEMORY", "").strip()
    if configured:
        if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", configured):
            raise ValueError(f"INSIGHTS_DUCKDB_MEMORY={configured!r}: use a size such as 8GB or 500MB.")
        return configured
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return f"{spare_memory_mb(total, available_memory())}MB"


def spare_memory_mb(total: int, available: int | None) -> int:
    """Return the DuckDB limit in MB for ``total`` and ``available`` bytes (at least 256).

    >>> spare_memory_mb(24 * 2**30, 20 * 2**30), spare_memory_mb(24 * 2**30, 10 * 2**30)
    (12288, 6144)
    """
    limit = total // 2 if available is None else min(total // 2, available * 6 // 10)
    return max(limit // 2**20, 256)


def available_memory() -> int | None:
    """Return the bytes the kernel can give without swapping (``MemAvailable``), if it says."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


_DATABASE: dict[int, duckdb.DuckDBPyConnection] = {}  # process id -> in-memory database
_DATABASE_LOCK = threading.Lock()


def _connect() -> duckdb.DuckDBPyConnection:
    """Return a fresh connection (cursor) to this process's in-memory database.

    Temporary views and registered frames belong to the cursor, so queries never see each
    other's; a forked child opens its own database rather than use its parent's.
    """
    with _DATABASE_LOCK:
        database = _DATABASE.get(os.getpid())
        if database is None:
            _DATABASE.clear()
            database = _DATABASE[os.getpid()] = duckdb.connect()
        con = database.cursor()
    con.execute(f"SET memory_limit = '{memory_limit()}'")
    return con


def run_duckdb(
    query: Query,
    *,
    source: Source,
    lookups: dict[str, pd.DataFrame] | None = None,
    arrow: bool = False,
) -> pd.DataFrame:
    """Run ``query`` on a fresh DuckDB connection with ``source`` and lookup tables attached.

    Parameters
    ----------
    query : Query
        Set-up statements, then a SELECT reading the relation ``source`` (and the lookup
        tables by name).
    source : DataFrame or path
        Transactions with canonical columns, or Parquet data with them.
    lookups : dict of str to DataFrame, optional
        Small tables registered under their key (e.g. ``service_lines``).
    arrow : bool
        Fetch the result as an Arrow table and convert it to pandas once (text columns stay
        Arrow-backed, no Python string per value): several times cheaper than ``.df()`` for
        a million rows with text. For queries whose columns are text, BIGINT, DOUBLE and
        TIMESTAMP only (a DECIMAL or HUGEINT would arrive as Python objects).

    Returns
    -------
    DataFrame
        The query's result.
    """
    with _connect() as con:
        _attach_source(con, source)
        for name, table in (lookups or {}).items():
            if table is not None:
                con.register(name, table)
        for statement in query.setup:
            con.execute(statement)
        if arrow:
            return con.sql(query.select).to_arrow_table().to_pandas()
        return con.execute(query.select).df()


def check_source(transactions: Source, *, where: str, engine: str) -> set[str]:
    """Check the input contract and return the columns present."""
    if engine not in ENGINES:
        raise ContractError(f"{where}: engine must be one of {ENGINES}, got {engine!r}.")
    if isinstance(transactions, PostgresTable):
        columns = table_columns(transactions)
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            raise ContractError(f"{where}: PostgreSQL table lacks column(s) {', '.join(missing)}.")
        return set(columns)
    if engine == "spark" and not is_parquet_source(transactions):
        raise ContractError(f"{where}: engine='spark' reads Parquet data: pass its path.")
    if is_parquet_source(transactions):
        columns = _spark_columns(transactions) if engine == "spark" else source_columns(transactions)
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            raise ContractError(f"{where}: Parquet data lacks column(s) {', '.join(missing)}.")
        return set(columns)
    require_columns(transactions, REQUIRED, where=where)
    return {str(c) for c in transactions.columns}


def _spark_columns(path: Source) -> list[str]:
    from insights.engine.spark import spark_session

    return list(spark_session().read.parquet(str(path)).columns)


def run_sql(
    build, *, engine: str, source: Source, lookups: dict | None = None, arrow: bool = False
) -> pd.DataFrame:
    """Build the query for the engine's SQL dialect and run it (DuckDB, Spark or PostgreSQL).

    A PostgresTable source always runs in its own database (the query is pushed down).
    ``arrow`` (DuckDB only): fetch the result through Arrow, see ``run_duckdb``.
    """
    if isinstance(source, PostgresTable):
        return run_postgres(build(sql.POSTGRES), source=source, lookups=lookups or {})
    if engine == "spark":
        from insights.engine.spark import run_spark, spark_session

        return run_spark(build(sql.SPARK), source=source, lookups=lookups or {}, spark=spark_session())
    return run_duckdb(build(sql.DUCKDB), source=source, lookups=lookups, arrow=arrow)


def columns_of(source: Source) -> set[str]:
    """Return the columns of any transactions source: DataFrame, Parquet data or table."""
    if isinstance(source, PostgresTable):
        return set(table_columns(source))
    return set(source_columns(source))


def require_source_columns(source: Source, columns: list[str], *, where: str) -> set[str]:
    """Check that ``source`` has ``columns`` (any kind of source); return all its columns."""
    if isinstance(source, pd.DataFrame):
        require_columns(source, columns, where=where)
        return {str(c) for c in source.columns}
    present = columns_of(source)
    missing = [c for c in columns if c not in present]
    if missing:
        raise ContractError(f"{where}: the transactions lack column(s) {', '.join(missing)}.")
    return present


def _scalar_query(select: str) -> Callable[[sql.Dialect], Query]:
    return lambda dialect: Query(setup=(), select=select)


def count_values(source: Source, columns: list[str], *, engine: str = "duckdb") -> dict[str, int]:
    """Return the number of non-missing values of each of ``columns`` (absent columns: 0)."""
    unknown = [c for c in columns if c not in CANONICAL]
    if unknown:
        raise ContractError(f"count_values: {unknown} are not canonical columns.")
    present = [c for c in columns if c in columns_of(source)]
    counts = dict.fromkeys(columns, 0)
    if not present:
        return counts
    if isinstance(source, pd.DataFrame):
        return counts | {c: int(source[c].notna().sum()) for c in present}
    select = "SELECT " + ", ".join(f"COUNT({c}) AS {c}" for c in present) + " FROM source"
    row = run_sql(_scalar_query(select), engine=engine, source=source).iloc[0]
    return counts | {c: int(row[c]) for c in present}


def order_date_bounds(
    source: Source, *, until: pd.Timestamp | None = None, engine: str = "duckdb"
) -> tuple[pd.Timestamp | None, pd.Timestamp | None, int]:
    """Return (first, last, rows) of the order dates up to ``until`` (all when None).

    ``first`` and ``last`` are None when no row qualifies.
    """
    if isinstance(source, pd.DataFrame):
        dates = pd.to_datetime(source["order_date"]).dropna()
        if until is not None:
            dates = dates[dates <= until]
        return (dates.min(), dates.max(), len(dates)) if len(dates) else (None, None, 0)
    where = f" WHERE order_date <= {sql.timestamp_literal(until)}" if until is not None else ""
    select = ("SELECT MIN(CAST(order_date AS TIMESTAMP)) AS first_date, "
              "MAX(CAST(order_date AS TIMESTAMP)) AS last_date, COUNT(order_date) AS n_rows "
              f"FROM source{where}")
    row = run_sql(_scalar_query(select), engine=engine, source=source).iloc[0]
    rows = int(row["n_rows"])
    if not rows:
        return None, None, 0
    return pd.Timestamp(row["first_date"]), pd.Timestamp(row["last_date"]), rows


def count_rows(source: Source, *, after: pd.Timestamp | None = None, engine: str = "duckdb") -> int:
    """Return the number of rows, or of rows dated after ``after`` when given."""
    if isinstance(source, pd.DataFrame):
        return len(source) if after is None else int((source["order_date"] > after).sum())
    where = f" WHERE order_date > {sql.timestamp_literal(after)}" if after is not None else ""
    row = run_sql(_scalar_query(f"SELECT COUNT(*) AS n_rows FROM source{where}"),
                  engine=engine, source=source).iloc[0]
    return int(row["n_rows"])
