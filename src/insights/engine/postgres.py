"""Push the feature queries down to PostgreSQL, where a unit's transactions already live.

``PostgresTable`` names a table (or view) with canonical column names; the feature
functions accept it in place of a DataFrame and send the same SQL text DuckDB runs to the
database, so only the per-customer result crosses the network. The session is read-only
in effect: it creates temporary views and lookup tables only, inside one transaction that
is rolled back at the end.

String ties and ORDER BY use the ``C`` collation (``POSTGRES`` dialect), which orders by
code point like DuckDB and Spark. psycopg 3 is optional (``pip install 'insights[postgres]'``)
and imported only when a PostgresTable is used.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from insights.engine.dialect import Query


@dataclass(frozen=True)
class PostgresTable:
    """A PostgreSQL table of canonical transactions.

    Attributes
    ----------
    dsn : str
        libpq connection string, e.g. ``"host=127.0.0.1 port=5432 dbname=sales user=ro"``
        (keep passwords in ``~/.pgpass`` or ``PGPASSWORD``, never in params).
    table : str
        Table or view name.
    schema : str
        Its schema.
    """

    dsn: str
    table: str
    schema: str = "public"


def _connect(source: PostgresTable):
    import psycopg

    return psycopg.connect(source.dsn, autocommit=False)


def _relation(source: PostgresTable):
    from psycopg import sql

    return sql.SQL("{}.{}").format(sql.Identifier(source.schema), sql.Identifier(source.table))


def table_columns(source: PostgresTable) -> list[str]:
    """Return the column names of the table, in order."""
    with _connect(source) as con, con.cursor() as cur:
        cur.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
            (source.schema, source.table),
        )
        names = [row[0] for row in cur.fetchall()]
    if not names:
        raise LookupError(f"PostgreSQL table {source.schema}.{source.table} not found or has no columns.")
    return names


def _create_lookup(cur, name: str, table: pd.DataFrame) -> None:
    """Create a temporary table ``name`` with the frame's int64 (BIGINT) and text columns."""
    from psycopg import sql

    types = {c: "BIGINT" if table[c].dtype == "int64" else "VARCHAR" for c in table.columns}
    cur.execute(sql.SQL("CREATE TEMPORARY TABLE {} ({})").format(
        sql.Identifier(name),
        sql.SQL(", ").join(sql.SQL("{} " + t).format(sql.Identifier(c)) for c, t in types.items())))
    rows = [tuple(int(v) if types[c] == "BIGINT" else str(v) for c, v in zip(types, row, strict=True))
            for row in table.itertuples(index=False)]
    if rows:
        cur.executemany(sql.SQL("INSERT INTO {} VALUES ({})").format(
            sql.Identifier(name), sql.SQL(", ").join(sql.Placeholder() * len(types))), rows)


def run_postgres(query: Query, *, source: PostgresTable, lookups: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Run ``query`` inside the database holding ``source``; return the result rows.

    Parameters
    ----------
    query : Query
        Set-up statements and a SELECT from ``feature_sql`` built with the POSTGRES dialect.
    source : PostgresTable
        The transactions table (exposed to the query as the temporary view ``source``).
    lookups : dict of str to DataFrame
        Small one-column tables, created as temporary tables under their key.

    Returns
    -------
    DataFrame
        The query's rows with its column names.
    """
    from psycopg import sql

    with _connect(source) as con, con.cursor() as cur:
        cur.execute(sql.SQL("CREATE TEMPORARY VIEW source AS SELECT * FROM {}").format(_relation(source)))
        for name, table in lookups.items():
            if table is not None:
                _create_lookup(cur, name, table)
        for statement in query.setup:
            cur.execute(statement)
        cur.execute(query.select)
        names = [d.name for d in cur.description]
        rows = cur.fetchall()
        con.rollback()
    return pd.DataFrame.from_records(rows, columns=names)
