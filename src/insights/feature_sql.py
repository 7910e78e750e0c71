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

from dataclasses import dataclass

import pandas as pd

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


@dataclass(frozen=True)
class Dialect:
    """Names that differ between SQL engines (type names only)."""

    text: str = "VARCHAR"


DUCKDB = Dialect(text="VARCHAR")
SPARK = Dialect(text="STRING")
POSTGRES = Dialect(text="VARCHAR")


def timestamp_literal(value: pd.Timestamp) -> str:
    """Return a portable SQL timestamp literal for a pandas Timestamp."""
    return f"TIMESTAMP '{pd.Timestamp(value):%Y-%m-%d %H:%M:%S}'"


def cents(expr: str) -> str:
    """Return SQL turning a money expression into exact integer hundredths."""
    return f"CAST(FLOOR({expr} * 100 + 0.5) AS BIGINT)"


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
        f"{cents('amount')} AS amount_c",
    ]
    for col in TEXT_COLUMNS:
        parts.append(
            f"CAST({col} AS {dialect.text}) AS {col}" if col in columns else f"{null_text} AS {col}"
        )
    if "margin" in columns:
        parts.append(f"{cents('margin')} AS margin_c")
    elif "cost" in columns:
        parts.append(f"{cents('amount')} - {cents('cost')} AS margin_c")
    else:
        parts.append("CAST(NULL AS BIGINT) AS margin_c")
    discount = cents("discount") if "discount" in columns else "CAST(NULL AS BIGINT)"
    parts.append(f"{discount} AS discount_c")
    reference = "CASE WHEN is_reference THEN 1 ELSE 0 END" if "is_reference" in columns else "0"
    parts.append(f"{reference} AS is_reference")
    return (
        f"SELECT {', '.join(parts)} FROM source "
        f"WHERE order_date <= {timestamp_literal(as_of)} AND customer_id IS NOT NULL"
    )


@dataclass(frozen=True)
class Query:
    """Statements to run in order, then the SELECT whose rows are the result."""

    setup: tuple[str, ...]
    select: str


def _tx_view(columns: set[str], *, as_of: pd.Timestamp, dialect: Dialect) -> str:
    return f"CREATE OR REPLACE TEMPORARY VIEW tx AS {normalized_source(columns, as_of=as_of, dialect=dialect)}"


_ORDER_KEY = "tx.customer_id, tx.order_id, CASE WHEN tx.order_id IS NULL THEN tx.order_date END"


def _pick(col: str, how: str) -> str:
    """Return a CTE ``pick_<col>(customer_id, <col>)`` choosing one value per customer."""
    stat, order = {
        "latest": ("MAX(order_date)", "DESC"),
        "earliest": ("MIN(order_date)", "ASC"),
        "top_revenue": ("SUM(amount_c)", "DESC"),
    }[how]
    return f"""pick_{col} AS (
  SELECT customer_id, value AS {col} FROM (
    SELECT customer_id, value,
           ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY stat {order}, value ASC) AS rn
    FROM (SELECT customer_id, {col} AS value, {stat} AS stat
          FROM tx WHERE {col} IS NOT NULL GROUP BY customer_id, {col}) AS per_value
  ) AS ranked WHERE rn = 1
)"""


def _order_sums(columns: set[str], *, services: bool, online: bool, y1: str, y2: str) -> tuple[list[str], str]:
    """Return the per-order sums and the joins to the lookup tables they need."""
    services = services and "product_line" in columns
    online = online and "channel" in columns
    sums = [
        "MIN(tx.order_date) AS order_date", "SUM(amount_c) AS net_c",
        f"SUM(CASE WHEN tx.order_date > {y1} THEN amount_c ELSE 0 END) AS r12_c",
        f"SUM(CASE WHEN tx.order_date > {y2} AND tx.order_date <= {y1} THEN amount_c ELSE 0 END)"
        " AS p12_c",
        "SUM(CASE WHEN amount_c > 0 THEN amount_c ELSE 0 END) AS gross_c",
        ("SUM(CASE WHEN amount_c > 0 AND svc.product_line IS NOT NULL THEN amount_c ELSE 0 END)"
         if services else "0") + " AS services_c",
        ("SUM(CASE WHEN amount_c > 0 AND onl.channel IS NOT NULL THEN amount_c ELSE 0 END)"
         if online else "0") + " AS online_c",
        "SUM(margin_c) AS margin_c", "SUM(discount_c) AS discount_c",
        "MAX(is_reference) AS is_reference",
    ]
    joins = ""
    if services:
        joins += "\n  LEFT JOIN service_lines AS svc ON tx.product_line = svc.product_line"
    if online:
        joins += "\n  LEFT JOIN online_channels AS onl ON tx.channel = onl.channel"
    return sums, joins


def customer_aggregates_sql(
    columns: set[str], *, as_of: pd.Timestamp, window_start: pd.Timestamp,
    year_start: pd.Timestamp, prev_year_start: pd.Timestamp, services: bool = True,
    online: bool = True, dialect: Dialect = DUCKDB,
) -> Query:
    """Return the query of per-customer aggregates (integer money, dates, counts).

    One row per customer with any row on or before ``as_of``. A purchase is an order
    (``order_id``, or the date for rows without one) whose net amount is positive. Rows
    are summed per order first, then per customer (sums are associative), so the
    transactions are grouped once at order level; ``services``/``online`` False skip the
    lookup joins when the params' lists are empty.
    """
    picks = [c for c in PICKS if c in columns]
    w, y1, y2 = (timestamp_literal(t) for t in (window_start, year_start, prev_year_start))
    sums, joins = _order_sums(columns, services=services, online=online, y1=y1, y2=y2)
    ctes = [
        f"orders AS (\n  SELECT tx.customer_id, {', '.join(sums)}\n  FROM tx{joins}\n"
        f"  GROUP BY {_ORDER_KEY}\n)",
        f"""customers AS (
  SELECT customer_id,
    MIN(CASE WHEN net_c > 0 THEN order_date END) AS first_purchase_date,
    MAX(CASE WHEN net_c > 0 THEN order_date END) AS last_purchase_date,
    SUM(CASE WHEN net_c > 0 THEN 1 ELSE 0 END) AS frequency,
    SUM(CASE WHEN net_c > 0 AND order_date > {w} THEN 1 ELSE 0 END) AS purchases_window,
    SUM(net_c) AS monetary_total_c, SUM(r12_c) AS revenue_12m_c, SUM(p12_c) AS revenue_prev_12m_c,
    SUM(gross_c) AS gross_c, SUM(services_c) AS services_c, SUM(online_c) AS online_c,
    SUM(margin_c) AS margin_total_c, SUM(discount_c) AS discount_total_c,
    MAX(is_reference) AS is_reference
  FROM orders GROUP BY customer_id
)""",
        """breadth AS (
  SELECT customer_id, COUNT(*) AS product_line_count FROM (
    SELECT DISTINCT customer_id, product_line FROM tx
    WHERE amount_c > 0 AND product_line IS NOT NULL
  ) AS lines GROUP BY customer_id
)""",
    ]
    ctes += [_pick(c, PICKS[c]) for c in picks]
    money = ("monetary_total_c", "revenue_12m_c", "revenue_prev_12m_c", "gross_c", "services_c",
             "online_c", "margin_total_c", "discount_total_c")
    select = [
        "c.customer_id", "c.first_purchase_date", "c.last_purchase_date",
        "CAST(c.frequency AS BIGINT) AS frequency",
        "CAST(c.purchases_window AS BIGINT) AS purchases_window",
        *(f"CAST(c.{m} AS BIGINT) AS {m}" for m in money),
        "CAST(COALESCE(b.product_line_count, 0) AS BIGINT) AS product_line_count",
        "CAST(c.is_reference AS BIGINT) AS is_reference",
        *(f"pick_{c}.{c}" for c in picks),
    ]
    joins = "".join(f"\nLEFT JOIN pick_{c} ON c.customer_id = pick_{c}.customer_id" for c in picks)
    text = (
        "WITH " + ",\n".join(ctes) + "\nSELECT " + ",\n  ".join(select)
        + "\nFROM customers AS c\nLEFT JOIN breadth AS b ON c.customer_id = b.customer_id"
        + joins + "\nORDER BY c.customer_id"
    )
    return Query(setup=(_tx_view(columns, as_of=as_of, dialect=dialect),), select=text)


def revenue_by_sql(
    *, by: list[str], start: pd.Timestamp, end: pd.Timestamp, dialect: Dialect = DUCKDB
) -> Query:
    """Return the query of net revenue (hundredths) per ``by`` group, ``start < date <= end``."""
    keys = ", ".join(f"CAST({c} AS {dialect.text}) AS {c}" for c in by)
    text = (
        f"SELECT {keys}, CAST(SUM({cents('amount')}) AS BIGINT) AS revenue_c FROM source\n"
        f"WHERE order_date > {timestamp_literal(start)} AND order_date <= {timestamp_literal(end)}"
        f" AND customer_id IS NOT NULL\nGROUP BY {', '.join(by)}"
    )
    return Query(setup=(), select=text)


_QUARTER = "EXTRACT(YEAR FROM {d}) * 10 + EXTRACT(QUARTER FROM {d})"
_ORDERS = f"""orders AS (
  SELECT tx.customer_id, MIN(tx.order_date) AS order_date, SUM(amount_c) AS net_c
  FROM tx GROUP BY {_ORDER_KEY}
)"""


def quarter_activity_sql(columns: set[str], *, as_of: pd.Timestamp, dialect: Dialect = DUCKDB) -> Query:
    """Return the query of purchases and net revenue (hundredths) per customer and quarter."""
    quarter = _QUARTER.format(d="order_date")
    text = f"""WITH {_ORDERS},
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


def first_purchases_sql(columns: set[str], *, as_of: pd.Timestamp, dialect: Dialect = DUCKDB) -> Query:
    """Return the query of each buyer's first purchase date, its net amount and lifetime net."""
    text = f"""WITH {_ORDERS},
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
{_pick("acquisition_source", "earliest")}
SELECT a.customer_id, a.first_purchase_date,
       CAST(a.first_purchase_c AS BIGINT) AS first_purchase_c,
       pick_acquisition_source.acquisition_source,
       CAST(l.lifetime_c AS BIGINT) AS lifetime_c
FROM first_amount AS a
JOIN lifetime AS l ON a.customer_id = l.customer_id
LEFT JOIN pick_acquisition_source ON a.customer_id = pick_acquisition_source.customer_id
ORDER BY a.customer_id"""
    return Query(setup=(_tx_view(columns, as_of=as_of, dialect=dialect),), select=text)
