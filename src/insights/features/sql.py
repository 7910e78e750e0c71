"""The one SQL definition of the transaction-level aggregates behind the features.

Every query here is plain, portable SQL (GROUP BY, CASE, LEFT JOIN, ROW_NUMBER) that
DuckDB, Spark SQL and PostgreSQL all run unchanged; only the name of the text type differs
and is passed in as ``dialect``. Each query is a ``Query``: set-up statements creating the
temporary view ``tx`` (canonical columns, rows up to ``as_of``) over a relation called
``source``, then one SELECT. Lookup tables ``service_lines(product_line)`` and
``online_channels(channel)`` carry the params' lists, so no value from params or data is
ever pasted into SQL; column names come only from the canonical schema.
Cut-off dates are computed in Python and written as ``TIMESTAMP 'YYYY-MM-DD HH:MM:SS'``
literals built from ``pandas.Timestamp`` objects only.

Money is summed exactly in integer hundredths (``FLOOR(x * 100 + 0.5)``, the same
IEEE-754 arithmetic in every engine), so sums do not depend on the engine, the number of
threads or the summation order; ``features.py`` turns them back into float64.
"""

from __future__ import annotations

import pandas as pd

from insights.engine.dialect import (  # noqa: F401  (re-exported: sql.DUCKDB, sql.Query)
    DUCKDB,
    POSTGRES,
    SPARK,
    Dialect,
    Query,
    cents,
    timestamp_literal,
)

#: Descriptive columns and how one value per customer is picked from its rows.
#: "latest": value of the most recent row; "earliest": of the first row; "top_revenue":
#: the value with most net revenue. Ties go to the smallest value (binary order).
PICKS = {
    "customer_name": "latest",
    "customer_type": "latest",
    "region": "latest",
    "account_manager": "top_revenue",
    "acquisition_source": "earliest",
    "unit": "top_revenue",
}

#: Text columns the queries may read (NULL when the source lacks them).
TEXT_COLUMNS = ("order_id", "product_line", "channel", *PICKS)


def normalized_source(columns: set[str], *, as_of: pd.Timestamp, dialect: Dialect) -> str:
    """Return the SELECT giving every query the same columns, rows up to ``as_of`` only.

    Optional columns missing from ``columns`` become typed NULLs; amounts become
    hundredths (``amount_c``, ``margin_c``, ``discount_c``); margin is ``margin`` when
    present, else ``amount - cost`` when ``cost`` is present.
    """
    null_text = f"CAST(NULL AS {dialect.text})"
    parts = [
        f"CAST(customer_id AS {dialect.text}) AS customer_id",
        "CAST(order_date AS TIMESTAMP) AS order_date",
        f"{cents('amount', dialect)} AS amount_c",
    ]
    for col in TEXT_COLUMNS:
        parts.append(
            f"CAST({col} AS {dialect.text}) AS {col}" if col in columns else f"{null_text} AS {col}"
        )
    if "margin" in columns:
        parts.append(f"{cents('margin', dialect)} AS margin_c")
    elif "cost" in columns:
        parts.append(f"{cents('amount', dialect)} - {cents('cost', dialect)} AS margin_c")
    else:
        parts.append(f"CAST(NULL AS {dialect.float}) AS margin_c")
    discount = cents("discount", dialect) if "discount" in columns else f"CAST(NULL AS {dialect.float})"
    parts.append(f"{discount} AS discount_c")
    reference = "CASE WHEN is_reference THEN 1 ELSE 0 END" if "is_reference" in columns else "0"
    parts.append(f"{reference} AS is_reference")
    return (
        f"SELECT {', '.join(parts)} FROM source "
        f"WHERE order_date <= {timestamp_literal(as_of)} AND customer_id IS NOT NULL"
    )


def _tx_view(columns: set[str], *, as_of: pd.Timestamp, dialect: Dialect) -> str:
    return f"CREATE OR REPLACE TEMPORARY VIEW tx AS {normalized_source(columns, as_of=as_of, dialect=dialect)}"


#: GROUP BY keys of an order. "id_or_date": order_id, or the date for rows without one;
#: "id": every row has an order_id; "date": the source has no order_id column.
ORDER_KEYS = {
    "id_or_date": "tx.customer_id, tx.order_id, CASE WHEN tx.order_id IS NULL THEN tx.order_date END",
    "id": "tx.customer_id, tx.order_id",
    "date": "tx.customer_id, tx.order_date",
}


def order_key_mode(columns: set[str], *, order_ids_complete: bool) -> str:
    """Return the ORDER_KEYS entry for a source (same orders, fewer keys when possible)."""
    if "order_id" not in columns:
        return "date"
    return "id" if order_ids_complete else "id_or_date"


def _pick(col: str, how: str, dialect: Dialect, *, among: str | None = None) -> str:
    """Return a CTE ``pick_<col>(customer_id, <col>)`` choosing one value per customer.

    ``among`` names a relation of customer ids to restrict the work to (those whose rows
    hold more than one value; the others' only value needs no ranking).
    """
    stat, order = {
        "latest": ("MAX(order_date)", "DESC"),
        "earliest": ("MIN(order_date)", "ASC"),
        "top_revenue": ("SUM(amount_c)", "DESC"),
    }[how]
    rows = "tx" if among is None else f"tx JOIN {among} AS m ON tx.customer_id = m.customer_id"
    return f"""pick_{col} AS (
  SELECT customer_id, value AS {col} FROM (
    SELECT customer_id, value,
           ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY stat {order} NULLS LAST, value{dialect.collate} ASC) AS rn
    FROM (SELECT tx.customer_id, tx.{col} AS value, {stat} AS stat
          FROM {rows} WHERE tx.{col} IS NOT NULL GROUP BY tx.customer_id, tx.{col}) AS per_value
  ) AS ranked WHERE rn = 1
)"""


#: Product lines beyond this many are counted with a DISTINCT pass instead of a bit mask.
MAX_LINE_BITS = 62


def _row_sums(
    columns: set[str], picks: list[str], *, services: bool, online: bool, line_bits: bool,
    y1: str, y2: str, dialect: Dialect,
) -> tuple[list[str], str]:
    """Return the per-customer aggregates over rows and the lookup joins they need."""
    null = f"CAST(NULL AS {dialect.float})"
    services = services and "product_line" in columns
    online = online and "channel" in columns
    sums = [
        "SUM(amount_c) AS monetary_total_c",
        f"SUM(CASE WHEN tx.order_date > {y1} THEN amount_c ELSE 0 END) AS revenue_12m_c",
        f"SUM(CASE WHEN tx.order_date > {y2} AND tx.order_date <= {y1} THEN amount_c ELSE 0 END)"
        " AS revenue_prev_12m_c",
        "SUM(CASE WHEN amount_c > 0 THEN amount_c ELSE 0 END) AS gross_c",
        ("SUM(CASE WHEN amount_c > 0 AND svc.product_line IS NOT NULL THEN amount_c ELSE 0 END)"
         if services else "0") + " AS services_c",
        ("SUM(CASE WHEN amount_c > 0 AND onl.channel IS NOT NULL THEN amount_c ELSE 0 END)"
         if online else "0") + " AS online_c",
        # absent columns give a constant, not an aggregate: a narrower hash table
        "SUM(margin_c) AS margin_total_c" if columns & {"margin", "cost"} else f"{null} AS margin_total_c",
        "SUM(discount_c) AS discount_total_c" if "discount" in columns else f"{null} AS discount_total_c",
        "MAX(is_reference) AS is_reference" if "is_reference" in columns else "0 AS is_reference",
        *(f"MIN(tx.{c}) AS {c}_lo, MAX(tx.{c}) AS {c}_hi" for c in picks),
    ]
    joins = ""
    if line_bits:
        sums.append("BIT_OR(CASE WHEN amount_c > 0 THEN lb.bit END) AS product_line_mask")
        joins += "\n  LEFT JOIN line_bits AS lb ON tx.product_line = lb.product_line"
    if services:
        joins += "\n  LEFT JOIN service_lines AS svc ON tx.product_line = svc.product_line"
    if online:
        joins += "\n  LEFT JOIN online_channels AS onl ON tx.channel = onl.channel"
    return sums, joins


_BREADTH = """breadth AS (
  SELECT customer_id, COUNT(*) AS product_line_count FROM (
    SELECT DISTINCT customer_id, product_line FROM tx
    WHERE amount_c > 0 AND product_line IS NOT NULL
  ) AS lines GROUP BY customer_id
)"""


def _purchases_cte(*, window: str) -> str:
    return f"""purchases AS (
  SELECT customer_id, MIN(order_date) AS first_purchase_date,
    MAX(order_date) AS last_purchase_date, COUNT(*) AS frequency,
    SUM(CASE WHEN order_date > {window} THEN 1 ELSE 0 END) AS purchases_window
  FROM orders WHERE net_c > 0 GROUP BY customer_id
)"""


def customer_aggregates_sql(
    columns: set[str], *, as_of: pd.Timestamp, window_start: pd.Timestamp,
    year_start: pd.Timestamp, prev_year_start: pd.Timestamp, services: bool = True,
    online: bool = True, line_bits: bool = False, order_key: str = "id_or_date",
    dialect: Dialect = DUCKDB,
) -> Query:
    """Return the query of per-customer aggregates (integer money, dates, counts).

    One row per customer with any row on or before ``as_of``. A purchase is an order
    (``order_id``, or the date for rows without one) whose net amount is positive. Two
    passes over the rows: a narrow one per order (first date, net amount) for purchases,
    and one per customer for everything summed over rows. ``services``/``online`` False
    skip the lookup joins when the params' lists are empty. ``line_bits`` True: the
    lookup ``line_bits(product_line, bit)`` numbers at most ``MAX_LINE_BITS`` lines and the
    result has ``product_line_mask`` (bit-or of bought lines) instead of
    ``product_line_count``. Descriptive picks rank values only for customers whose rows
    hold more than one (per-customer minimum <> maximum).
    """
    picks = [c for c in PICKS if c in columns]
    w, y1, y2 = (timestamp_literal(t) for t in (window_start, year_start, prev_year_start))
    line_bits = line_bits and "product_line" in columns
    sums, joins = _row_sums(columns, picks, services=services, online=online,
                            line_bits=line_bits, y1=y1, y2=y2, dialect=dialect)
    ctes = [
        f"customers AS (\n  SELECT tx.customer_id, {', '.join(sums)}\n  FROM tx{joins}\n"
        "  GROUP BY tx.customer_id\n)",
        _ORDERS.format(key=ORDER_KEYS[order_key]),
        _purchases_cte(window=w),
    ]
    for c in picks:
        ctes.append(f"mixed_{c} AS (SELECT customer_id FROM customers WHERE {c}_lo <> {c}_hi)")
        ctes.append(_pick(c, PICKS[c], dialect, among=f"mixed_{c}"))
    money = ("monetary_total_c", "revenue_12m_c", "revenue_prev_12m_c", "gross_c", "services_c",
             "online_c", "margin_total_c", "discount_total_c")
    breadth = ("CAST(c.product_line_mask AS BIGINT) AS product_line_mask" if line_bits
               else "CAST(COALESCE(b.product_line_count, 0) AS BIGINT) AS product_line_count")
    select = [
        "c.customer_id", "p.first_purchase_date", "p.last_purchase_date",
        "CAST(COALESCE(p.frequency, 0) AS BIGINT) AS frequency",
        "CAST(COALESCE(p.purchases_window, 0) AS BIGINT) AS purchases_window",
        *(f"CAST(c.{m} AS BIGINT) AS {m}" for m in money), breadth,
        "CAST(c.is_reference AS BIGINT) AS is_reference",
        *(f"COALESCE(pick_{c}.{c}, CASE WHEN c.{c}_lo = c.{c}_hi THEN c.{c}_lo END) AS {c}"
          for c in picks),
    ]
    joins = "\nLEFT JOIN purchases AS p ON c.customer_id = p.customer_id"
    if not line_bits:
        ctes.append(_BREADTH)
        joins += "\nLEFT JOIN breadth AS b ON c.customer_id = b.customer_id"
    joins += "".join(f"\nLEFT JOIN pick_{c} ON c.customer_id = pick_{c}.customer_id" for c in picks)
    text = ("WITH " + ",\n".join(ctes) + "\nSELECT " + ",\n  ".join(select)
            + "\nFROM customers AS c" + joins + "\nORDER BY c.customer_id")
    return Query(setup=(_tx_view(columns, as_of=as_of, dialect=dialect),), select=text)


def distinct_values_sql(column: str, *, dialect: Dialect = DUCKDB) -> Query:
    """Return the query of the distinct non-missing values of a canonical text column."""
    return Query(setup=(), select=(
        f"SELECT DISTINCT CAST({column} AS {dialect.text}) AS value FROM source "
        f"WHERE {column} IS NOT NULL"
    ))


def revenue_by_sql(
    *, by: list[str], start: pd.Timestamp, end: pd.Timestamp, dialect: Dialect = DUCKDB
) -> Query:
    """Return the query of net revenue (hundredths) per ``by`` group, ``start < date <= end``."""
    keys = ", ".join(f"CAST({c} AS {dialect.text}) AS {c}" for c in by)
    text = (
        f"SELECT {keys}, CAST(SUM({cents('amount', dialect)}) AS BIGINT) AS revenue_c FROM source\n"
        f"WHERE order_date > {timestamp_literal(start)} AND order_date <= {timestamp_literal(end)}"
        f" AND customer_id IS NOT NULL\nGROUP BY {', '.join(by)}"
    )
    return Query(setup=(), select=text)


def revenue_windows_sql(
    *, by: list[str], windows: list[tuple[pd.Timestamp, pd.Timestamp]], dialect: Dialect = DUCKDB
) -> Query:
    """Return one scan's net revenue (hundredths) per ``by`` group in each ``start < date <= end``.

    Column ``revenue_c_<i>`` is window ``i``'s sum, NULL when the group has no row in it;
    rows come in code-point order of the keys, so the caller's sums never depend on the
    engine's threads.
    """
    keys = ", ".join(f"CAST({c} AS {dialect.text}) AS {c}" for c in by)
    sums = ", ".join(
        f"CAST(SUM(CASE WHEN order_date > {timestamp_literal(start)} AND order_date <= "
        f"{timestamp_literal(end)} THEN {cents('amount', dialect)} END) AS BIGINT) AS revenue_c_{i}"
        for i, (start, end) in enumerate(windows)
    )
    first, last = min(s for s, _ in windows), max(e for _, e in windows)
    order = ", ".join(f"{c}{dialect.collate} ASC NULLS LAST" for c in by)
    text = (
        f"SELECT {keys}, {sums} FROM source\n"
        f"WHERE order_date > {timestamp_literal(first)} AND order_date <= {timestamp_literal(last)}"
        f" AND customer_id IS NOT NULL\nGROUP BY {', '.join(by)}\nORDER BY {order}"
    )
    return Query(setup=(), select=text)


_QUARTER = "EXTRACT(YEAR FROM {d}) * 10 + EXTRACT(QUARTER FROM {d})"
_ORDERS = """orders AS (
  SELECT tx.customer_id, MIN(tx.order_date) AS order_date, SUM(amount_c) AS net_c
  FROM tx GROUP BY {key}
)"""


def quarter_activity_sql(
    columns: set[str], *, as_of: pd.Timestamp, order_key: str = "id_or_date", dialect: Dialect = DUCKDB
) -> Query:
    """Return the query of purchases and net revenue (hundredths) per customer and quarter."""
    quarter = _QUARTER.format(d="order_date")
    text = f"""WITH {_ORDERS.format(key=ORDER_KEYS[order_key])},
bought AS (
  SELECT customer_id, {quarter} AS quarter_id, COUNT(*) AS purchases
  FROM orders WHERE net_c > 0 GROUP BY customer_id, {quarter}
),
spent AS (
  SELECT customer_id, {quarter} AS quarter_id, SUM(amount_c) AS revenue_c
  FROM tx GROUP BY customer_id, {quarter}
)
SELECT s.customer_id, CAST(s.quarter_id AS BIGINT) AS quarter_id,
       CAST(COALESCE(b.purchases, 0) AS BIGINT) AS purchases,
       CAST(s.revenue_c AS BIGINT) AS revenue_c
FROM spent AS s LEFT JOIN bought AS b
  ON s.customer_id = b.customer_id AND s.quarter_id = b.quarter_id
ORDER BY s.customer_id, s.quarter_id"""
    return Query(setup=(_tx_view(columns, as_of=as_of, dialect=dialect),), select=text)


def first_purchases_sql(
    columns: set[str], *, as_of: pd.Timestamp, order_key: str = "id_or_date", dialect: Dialect = DUCKDB
) -> Query:
    """Return the query of each buyer's first purchase date, its net amount and lifetime net."""
    text = f"""WITH {_ORDERS.format(key=ORDER_KEYS[order_key])},
purchases AS (SELECT * FROM orders WHERE net_c > 0),
firsts AS (SELECT customer_id, MIN(order_date) AS first_purchase_date
           FROM purchases GROUP BY customer_id),
first_amount AS (
  SELECT f.customer_id, f.first_purchase_date, SUM(p.net_c) AS first_purchase_c
  FROM firsts AS f JOIN purchases AS p
    ON p.customer_id = f.customer_id AND p.order_date = f.first_purchase_date
  GROUP BY f.customer_id, f.first_purchase_date
),
lifetime AS (SELECT customer_id, SUM(net_c) AS lifetime_c FROM orders GROUP BY customer_id),
{_pick("acquisition_source", "earliest", dialect)}
SELECT a.customer_id, a.first_purchase_date,
       CAST(a.first_purchase_c AS BIGINT) AS first_purchase_c,
       pick_acquisition_source.acquisition_source,
       CAST(l.lifetime_c AS BIGINT) AS lifetime_c
FROM first_amount AS a
JOIN lifetime AS l ON a.customer_id = l.customer_id
LEFT JOIN pick_acquisition_source ON a.customer_id = pick_acquisition_source.customer_id
ORDER BY a.customer_id"""
    return Query(setup=(_tx_view(columns, as_of=as_of, dialect=dialect),), select=text)
