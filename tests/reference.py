"""Test oracle: the pandas twin of each query in ``insights.features.sql``.

Each function returns exactly the columns, dtypes-before-finishing and rows of its SQL
twin, so ``features.customers`` finishes both the same way (``tests/oracles.py``); the
tests compare the two. It was the runtime ``engine: pandas`` until that was removed.
Money is summed in integer hundredths held in float64 (exact below 2**53 hundredths).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from insights.features.sql import PICKS, TEXT_COLUMNS


def _cents(values: pd.Series) -> pd.Series:
    return np.floor(values.astype("float64") * 100 + 0.5)


def normalized_source(frame: pd.DataFrame, *, as_of: pd.Timestamp) -> pd.DataFrame:
    """Return the rows up to ``as_of`` with the columns of ``feature_sql.normalized_source``."""
    kept = frame[(frame["order_date"] <= as_of) & frame["customer_id"].notna()]
    out = pd.DataFrame(
        {
            "customer_id": kept["customer_id"].astype("str"),
            "order_date": kept["order_date"],
            "amount_c": _cents(kept["amount"]),
        }
    )
    for col in TEXT_COLUMNS:
        out[col] = (
            kept[col].astype("str")
            if col in kept
            else pd.Series(np.nan, index=kept.index, dtype="str")
        )
    if "margin" in kept:
        out["margin_c"] = _cents(kept["margin"])
    elif "cost" in kept:
        out["margin_c"] = out["amount_c"] - _cents(kept["cost"])
    else:
        out["margin_c"] = np.nan
    out["discount_c"] = _cents(kept["discount"]) if "discount" in kept else np.nan
    out["is_reference"] = (
        kept["is_reference"].fillna(False).astype(bool).astype("int64")
        if "is_reference" in kept
        else 0
    )
    return out.reset_index(drop=True)


def orders(tx: pd.DataFrame) -> pd.DataFrame:
    """Return one row per order: customer_id, order_date (first date), net_c."""
    date_key = tx["order_date"].where(tx["order_id"].isna())
    keyed = tx.assign(_date_key=date_key)
    grouped = keyed.groupby(["customer_id", "order_id", "_date_key"], dropna=False, sort=False)
    out = grouped.agg(
        order_date=("order_date", "min"), net_c=("amount_c", lambda s: s.sum(min_count=1))
    )
    return out.reset_index()[["customer_id", "order_date", "net_c"]]


def pick(tx: pd.DataFrame, col: str, how: str) -> pd.Series:
    """Return one value of ``col`` per customer (see ``feature_sql.PICKS``), indexed by id."""
    rows = tx[tx[col].notna()]
    if how == "top_revenue":
        stat = rows.groupby(["customer_id", col], sort=False)["amount_c"].sum()
    elif how == "latest":
        stat = rows.groupby(["customer_id", col], sort=False)["order_date"].max()
    else:
        stat = rows.groupby(["customer_id", col], sort=False)["order_date"].min()
    ranked = (
        stat.rename("stat")
        .reset_index()
        .sort_values(
            ["customer_id", "stat", col], ascending=[True, how == "earliest", True], kind="stable"
        )
    )
    first = ranked.drop_duplicates("customer_id")
    return pd.Series(first[col].to_numpy(), index=first["customer_id"].to_numpy(), name=col)


def customer_aggregates(
    frame: pd.DataFrame,
    *,
    as_of: pd.Timestamp,
    window_start: pd.Timestamp,
    year_start: pd.Timestamp,
    prev_year_start: pd.Timestamp,
    service_lines: list[str],
    online_channels: list[str],
) -> pd.DataFrame:
    """Return the rows of ``feature_sql.customer_aggregates_sql`` computed with pandas."""
    tx = normalized_source(frame, as_of=as_of)
    buys = orders(tx)
    buys = buys[buys["net_c"] > 0]
    by_buyer = buys.groupby("customer_id")["order_date"]
    purchase = pd.DataFrame(
        {
            "first_purchase_date": by_buyer.min(),
            "last_purchase_date": by_buyer.max(),
            "frequency": by_buyer.size(),
            "purchases_window": (buys["order_date"] > window_start)
            .groupby(buys["customer_id"])
            .sum(),
        }
    )
    amount, date = tx["amount_c"], tx["order_date"]
    positive = amount > 0
    parts = pd.DataFrame(
        {
            "customer_id": tx["customer_id"],
            "monetary_total_c": amount,
            "revenue_12m_c": amount.where(date > year_start, 0.0),
            "revenue_prev_12m_c": amount.where(
                (date > prev_year_start) & (date <= year_start), 0.0
            ),
            "gross_c": amount.where(positive, 0.0),
            "services_c": amount.where(positive & tx["product_line"].isin(service_lines), 0.0),
            "online_c": amount.where(positive & tx["channel"].isin(online_channels), 0.0),
            "margin_total_c": tx["margin_c"],
            "discount_total_c": tx["discount_c"],
            "is_reference": tx["is_reference"],
        }
    )
    grouped = parts.groupby("customer_id")
    rows = grouped.sum(min_count=1)
    rows["is_reference"] = grouped["is_reference"].max()
    rows["product_line_count"] = (
        tx["product_line"].where(positive).groupby(tx["customer_id"]).nunique()
    )
    out = rows.join(purchase, how="left")
    for col, how in PICKS.items():
        if col in frame:
            out[col] = pick(tx, col, how)
    out["frequency"] = out["frequency"].fillna(0)
    out["purchases_window"] = out["purchases_window"].fillna(0)
    return out.rename_axis("customer_id").reset_index()


def revenue_by(
    frame: pd.DataFrame, *, by: list[str], start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """Return net revenue in hundredths (``revenue_c``) per ``by`` group, start < date <= end."""
    mask = (
        (frame["order_date"] > start) & (frame["order_date"] <= end) & frame["customer_id"].notna()
    )
    rows = frame.loc[mask, by].astype("str").assign(revenue_c=_cents(frame.loc[mask, "amount"]))
    return rows.groupby(by, dropna=False, sort=False)["revenue_c"].sum(min_count=1).reset_index()


def _quarter_id(dates: pd.Series) -> pd.Series:
    return dates.dt.year * 10 + dates.dt.quarter


def quarter_activity(frame: pd.DataFrame, *, as_of: pd.Timestamp) -> pd.DataFrame:
    """Return purchases and net revenue (hundredths) per customer and quarter id (YYYYQ)."""
    tx = normalized_source(frame, as_of=as_of)
    buys = orders(tx)
    buys = buys[buys["net_c"] > 0]
    bought = buys.groupby(
        [buys["customer_id"], _quarter_id(buys["order_date"]).rename("quarter_id")]
    ).size()
    spent = tx.groupby([tx["customer_id"], _quarter_id(tx["order_date"]).rename("quarter_id")])[
        "amount_c"
    ].sum(min_count=1)
    out = spent.rename("revenue_c").to_frame().join(bought.rename("purchases"), how="left")
    out["purchases"] = out["purchases"].fillna(0)
    return out.reset_index().sort_values(["customer_id", "quarter_id"], kind="stable")


def first_purchases(frame: pd.DataFrame, *, as_of: pd.Timestamp) -> pd.DataFrame:
    """Return each buyer's first purchase date, its net (hundredths), source and lifetime net."""
    tx = normalized_source(frame, as_of=as_of)
    buys = orders(tx)
    buys = buys[buys["net_c"] > 0]
    first_date = buys.groupby("customer_id")["order_date"].transform("min")
    firsts = (
        buys[buys["order_date"] == first_date]
        .groupby("customer_id")
        .agg(first_purchase_date=("order_date", "min"), first_purchase_c=("net_c", "sum"))
    )
    firsts["acquisition_source"] = pick(tx, "acquisition_source", "earliest")
    firsts["lifetime_c"] = tx.groupby("customer_id")["amount_c"].sum(min_count=1)
    return firsts.rename_axis("customer_id").reset_index()
