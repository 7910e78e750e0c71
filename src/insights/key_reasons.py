"""A key customer's score components and the reasons in words ("top-5% revenue; margin 12%").

``insights.key_customers`` scores; this module says why: each customer's strongest weighted
components as short English phrases from fixed templates (``reporting.phrases`` reads them
back in the report's language). A customer buying far below its own run-rate is described
with the attention list's words (``DECLINE_WORDS``) and never as loyal.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

COMPONENTS = ("revenue", "margin", "growth", "loyalty", "repeat", "breadth", "reference")
OVERRIDE_IMAGE = "image (params)"
REGULARITY_QUARTERS = 8
#: How a customer buying far below its own run-rate is described (the attention list's words).
DECLINE_WORDS = "buying far below its own run-rate"


def _top_bucket(rank: float, n: int) -> int:
    """Smallest of 1, 5, 10, 20, 25, 50, 100 (%) that contains rank out of n."""
    percent = 100.0 * rank / max(n, 1)
    return next(b for b in (1, 5, 10, 20, 25, 50, 100) if percent <= b + 1e-9)


def _reason(component: str, row: Mapping, *, scored: int, p_alive: bool) -> str:
    """One component of one customer in words (never starting with a formula character)."""
    if component == "revenue":
        bucket = _top_bucket(row["revenue_rank"], scored)
        return f"top-{bucket}% revenue" if bucket < 100 else "revenue in the last 12 months"
    if component == "margin":
        if pd.notna(row["margin_rate"]):
            return f"margin {row['margin_rate']:.0%}"
        return f"contribution {row['contribution']:,.0f}"
    if component == "growth":
        if pd.isna(row["growth"]):
            return "new revenue in the last 12 months"
        way = "up" if row["growth"] >= 0 else "down"
        return f"revenue {way} {abs(row['growth']):.0%} on the 12 months before"
    if component == "loyalty":
        text = f"customer for {row['tenure_years']:.1f} years"
        if pd.notna(row["regularity"]) and pd.isna(row.get("decline_ratio", np.nan)):
            bought = round(row["regularity"] * REGULARITY_QUARTERS)
            text += f", bought in {bought} of the last {REGULARITY_QUARTERS} quarters"
        return text
    if component == "repeat":
        if p_alive:
            return f"P(active) {row['p_alive']:.0%}"
        days = int(row["recency_days"])
        last = {0: "today", 1: "yesterday"}.get(days, f"{days} days ago")
        return f"{int(row['frequency'])} purchases, the last {last}"
    if component == "breadth":
        lines = int(row["product_line_count"])
        return f"buys {lines} product line{'s' if lines != 1 else ''}"
    return "image customer (params)" if row["override"] == OVERRIDE_IMAGE else "reference customer"


def decline_reason(ratio: float, quarters: int) -> str:
    """Say that a customer buys far below its run-rate, in the attention list's words.

    >>> decline_reason(0.05, 2)
    'buying far below its own run-rate: 5% of it in the latest 2 quarters'
    """
    latest = "the latest quarter" if quarters == 1 else f"the latest {quarters} quarters"
    return f"{DECLINE_WORDS}: {max(ratio, 0.0):.0%} of it in {latest}"


def top_reasons(
    components: pd.DataFrame,
    details: pd.DataFrame,
    weights: Mapping[str, float],
    *,
    p_alive: bool = False,
    count: int = 3,
    scored: int | None = None,
) -> pd.Series:
    """Return each customer's ``count`` strongest components in words, joined by "; ".

    Strength is the weighted contribution w_c · x_c; components with x_c = 0 or missing
    are never a reason; ties keep the order of ``COMPONENTS``. ``scored`` is the number of
    customers scored (for "top-5% revenue"; default: the rows of ``details``), so the
    reasons of a few rows can be asked for. A declining customer (``decline_ratio`` in
    ``details``) gets ``decline_reason`` first, before its ``count`` strongest components.
    """
    weighted = pd.DataFrame(
        {c: components[c] * weights.get(c, 0.0) for c in COMPONENTS if c in components}
    )
    scored = len(details) if scored is None else scored
    names = np.asarray(weighted.columns)
    values = weighted.to_numpy(dtype="float64")
    # strongest first; a stable sort of the negated values keeps ties in COMPONENTS order
    order = np.argsort(-values, axis=1, kind="stable")
    strength = np.take_along_axis(values, order, axis=1)
    rows = details.loc[weighted.index]
    reasons = []
    for ranked, ranked_values, row in zip(order, strength, rows.itertuples(index=False), strict=True):
        about = dict(zip(rows.columns, row, strict=True))
        strong = names[ranked[ranked_values > 0]][:count]
        words = [_reason(c, about, scored=scored, p_alive=p_alive) for c in strong]
        if pd.notna(about.get("decline_ratio", np.nan)):
            words.insert(0, decline_reason(about["decline_ratio"], int(about["decline_quarters"])))
        reasons.append("; ".join(words))
    return pd.Series(reasons, index=components.index, name="reasons", dtype="string")
