"""PostgreSQL inputs: a unit's transactions read from a table, as text like a CSV export.

``source.format: postgres`` names a table (``source.table``, ``[schema.]name``) and the
environment variable holding the libpq connection string (``source.dsn_env``); the
connection string itself never appears in params, reports or metadata. The mapped columns
are streamed with ``COPY (SELECT ...) TO STDOUT`` in CSV form, so every value arrives as
the text PostgreSQL prints for it (text columns exactly as stored, NULL as an empty
value) and cleaning parses it exactly as it parses a CSV export. Non-text columns arrive
in PostgreSQL's text form: ISO dates (``DateStyle`` is set to ISO), ``.`` decimals and
``t``/``f`` booleans.

Rows are read in a deterministic order: ``ORDER BY`` every mapped column's text in the
``C`` collation, so the same table gives the same rows, lineage and fingerprint on every
run. Lineage: ``source_file`` is ``postgres:<table>`` and ``source_line`` the 1-based row
number in that order. The fingerprint is the SHA-256 of the CSV text read (header
included). The session is read-only. psycopg 3 is optional
(``pip install 'insights[postgres]'``) and imported only here, only when called.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections.abc import Callable

from insights.loading.table import LoadError, Table, unique_header

#: Seconds to wait for the server before a connection attempt fails.
CONNECT_TIMEOUT_SECONDS = 10


def read_postgres(entry: str, source, *,
                  map_header: Callable[[Table], list[str | None]]) -> tuple[Table, dict]:
    """Read the mapped columns of ``source.table`` into a Table of text values.

    Parameters
    ----------
    entry : str
        The lineage name of the table (``postgres:<table>``), used in messages.
    source : SourceParams
        ``table`` and ``dsn_env`` are used.
    map_header : callable
        Returns each header name's canonical target (None = not read); raises
        ``LoadError`` when a required column is missing.

    Returns
    -------
    (Table, dict)
        The table (header = every column of the database table, values of the mapped
        ones) and its ``sources`` entry fields: table, sha256, bytes, order_by.

    Raises
    ------
    LoadError
        psycopg is missing, the environment variable is not set, the server cannot be
        reached, or the table cannot be read; the message names the params key to change.
    """
    psycopg = _import_psycopg(entry)
    dsn = _dsn(entry, source)
    try:
        with psycopg.connect(dsn, connect_timeout=CONNECT_TIMEOUT_SECONDS,
                             client_encoding="utf8") as con:
            con.read_only = True
            names = _column_names(con, source.table)
            header, duplicates = unique_header(names)
            table = Table(header=header, lines=[], dtype="str", duplicates=duplicates)
            table.targets = map_header(table)
            selected = [i for i, t in enumerate(table.targets) if t is not None]
            data = _copy_csv(con, source.table, [names[i] for i in selected])
    except psycopg.Error as exc:
        raise LoadError(_database_message(entry, source, exc, dsn)) from None
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))[1:]
    values = dict(zip(selected, zip(*rows, strict=True), strict=True)) if rows else {}
    table.lines = range(1, len(rows) + 1)
    table.converter = lambda index, target: list(values.get(index, ()))
    info = {"path": entry, "table": source.table, "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data), "format": "postgres", "encoding": None, "delimiter": None,
            "sheet": None, "header_line": None, "blank_lines": 0,
            "order_by": [names[i] for i in selected]}
    return table, info


def _import_psycopg(entry: str):
    """Return the psycopg module, or raise LoadError saying how to install it."""
    try:
        import psycopg
    except ImportError:
        raise LoadError(f"{entry}: source.format postgres needs psycopg 3; install it with "
                        "pip install -e '.[postgres]'.") from None
    return psycopg


def _dsn(entry: str, source) -> str:
    """Return the connection string from the environment variable ``source.dsn_env``."""
    dsn = os.environ.get(source.dsn_env, "").strip()
    if not dsn:
        raise LoadError(f"{entry}: the environment variable {source.dsn_env} (source.dsn_env) "
                        "is not set; set it to the libpq connection string, e.g. "
                        f"{source.dsn_env}='host=db.example dbname=sales user=reader' (keep the "
                        "password in ~/.pgpass or PGPASSWORD), or point source.dsn_env at the "
                        "variable that holds it.")
    from psycopg.conninfo import conninfo_to_dict

    try:
        conninfo_to_dict(dsn)
    except Exception:  # noqa: BLE001 - psycopg's message would echo the string
        raise LoadError(f"{entry}: the environment variable {source.dsn_env} (source.dsn_env) "
                        "does not hold a valid libpq connection string ('host=... dbname=... "
                        "user=...' or 'postgresql://...'); fix it.") from None
    return dsn


def _relation(table: str):
    """Return the quoted ``[schema.]table`` as a psycopg SQL object (never interpolated text)."""
    from psycopg import sql

    return sql.Identifier(*table.split("."))


def _column_names(con, table: str) -> list[str]:
    """Return the table's column names in order (``SELECT * ... LIMIT 0``)."""
    from psycopg import sql

    with con.cursor() as cur:
        cur.execute(sql.SQL("SELECT * FROM {} LIMIT 0").format(_relation(table)))
        return [d.name for d in cur.description]


def _copy_csv(con, table: str, columns: list[str]) -> bytes:
    """Return ``columns`` of ``table`` as CSV bytes (header first) in a deterministic order."""
    from psycopg import sql

    quoted = [sql.Identifier(c) for c in columns]
    template = sql.SQL("COPY (SELECT {} FROM {} ORDER BY {}) TO STDOUT WITH (FORMAT csv, HEADER true)")
    query = template.format(sql.SQL(", ").join(quoted), _relation(table),
                         sql.SQL(", ").join(sql.SQL('({}::text) COLLATE "C"').format(c) for c in quoted))
    chunks: list[bytes] = []
    with con.cursor() as cur:
        cur.execute("SET LOCAL DateStyle = 'ISO, YMD'")
        with cur.copy(query) as copy:
            chunks.extend(bytes(block) for block in copy)
    return b"".join(chunks)


def _database_message(entry: str, source, exc: Exception, dsn: str) -> str:
    """Explain a psycopg error without ever showing the connection string or password."""
    import psycopg

    key = f"the connection string in {source.dsn_env} (source.dsn_env)"
    if isinstance(exc, psycopg.errors.UndefinedTable | psycopg.errors.InvalidSchemaName):
        return (f"{entry}: table {source.table} not found in the database named by {key}; check "
                "source.table (names are case-sensitive as written; add the schema, e.g. "
                "sales.transactions).")
    if isinstance(exc, psycopg.OperationalError):
        return (f"{entry}: cannot connect to PostgreSQL with {key}: {_redact(str(exc), dsn)} "
                f"Check that the server is running and reachable and that {source.dsn_env} "
                "is right.")
    return (f"{entry}: PostgreSQL could not read table {source.table} (source.table): "
            f"{_redact(str(exc), dsn)} Check the table and the reader's privileges.")


def _redact(message: str, dsn: str) -> str:
    """Return the first line of ``message`` with the DSN and any password replaced by ***."""
    from psycopg.conninfo import conninfo_to_dict

    secrets = [dsn] + [str(v) for k, v in conninfo_to_dict(dsn).items() if k == "password" and v]
    text = " ".join(message.strip().splitlines()[:1]).strip()
    for secret in secrets:
        text = text.replace(secret, "***")
    return text if text.endswith(".") else text + "."
