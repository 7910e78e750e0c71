"""Plots for the lifetime-value section: holdout check, lifetime vs first purchase, value by
group, P(alive) distribution.

Each ``plot_*(data, *, ax=None) -> Axes`` draws only (never saves or shows); data-derived
labels pass through ``safe_label``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from insights.plots.core import PALETTE, money_axis, new_axes, safe_label

_NOTHING = "not applicable for this data (see the text)"


def _nothing_to_draw(ax, title: str):
    """Draw an empty chart with a note, for a section whose model did not apply."""
    ax.text(0.5, 0.5, _NOTHING, ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)
    return ax


def plot_holdout(holdout, *, ax=None):
    """Draw mean predicted and actual holdout purchases per calibration-period frequency.

    ``holdout`` is a ``HoldoutResult`` (``ClvResult.holdout``, possibly None) or its
    ``by_frequency`` frame (``frequency``, ``customers``, ``predicted``, ``actual``), as in
    Fader, Hardie & Lee (2005), figure 4.
    """
    ax = new_axes(ax, figsize=(7.0, 4.0))
    by_frequency = getattr(holdout, "by_frequency", holdout)
    if by_frequency is None or by_frequency.empty:
        return _nothing_to_draw(ax, "Holdout check")
    x = np.arange(len(by_frequency))
    ax.plot(x, by_frequency["actual"], marker="o", color=PALETTE["main"], label="actual")
    ax.plot(
        x,
        by_frequency["predicted"],
        marker="s",
        linestyle="--",
        color=PALETTE["accent"],
        label="predicted",
    )
    ax.set_xticks(x, [safe_label(f) for f in by_frequency["frequency"]])
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("mean purchases in the holdout")
    ax.set_title("Holdout check: predicted vs actual repeat purchases")
    ax.legend(loc="upper left")
    return ax


def plot_lifetime_vs_first(by_purchases: pd.DataFrame, *, currency: str = "RUB", ax=None):
    """Draw mean first-purchase and lifetime revenue per number of purchase days.

    ``by_purchases`` is ``clv.summarize_lifetime_by_purchases``; the gap between the bars
    is what a customer who comes back is worth beyond the first sale.
    """
    ax = new_axes(ax, figsize=(7.0, 4.0))
    if by_purchases.empty:
        return _nothing_to_draw(ax, "Lifetime revenue against the first purchase")
    x = np.arange(len(by_purchases))
    width = 0.4
    ax.bar(
        x - width / 2,
        by_purchases["first_purchase_revenue"],
        width,
        color=PALETTE["grey"],
        label="first purchase",
    )
    ax.bar(
        x + width / 2,
        by_purchases["lifetime_revenue"],
        width,
        color=PALETTE["main"],
        label="lifetime so far",
    )
    for xi, ratio in zip(x, by_purchases["lifetime_to_first"], strict=True):
        if pd.notna(ratio):
            top = by_purchases["lifetime_revenue"].iloc[int(xi)]
            ax.annotate(
                f"x{ratio:.1f}", (xi + width / 2, top), ha="center", va="bottom", fontsize=8
            )
    ax.set_xticks(x, [safe_label(p) for p in by_purchases["purchases"]])
    ax.set_xlabel("purchase days per customer")
    ax.set_ylabel(f"mean revenue per customer, {safe_label(currency, max_length=8)}")
    money_axis(ax.yaxis)
    ax.set_title("Lifetime revenue against the first purchase")
    ax.legend(loc="upper left")
    return ax


def plot_clv_by_group(table: pd.DataFrame, *, column: str, currency: str = "RUB", ax=None):
    """Draw the expected lifetime value per group as horizontal bars, largest on top.

    ``table`` is ``clv.summarize_clv_by(..., column=column)``.
    """
    ax = new_axes(ax, figsize=(7.0, max(2.5, 0.45 * len(table) + 1.0)))
    if table.empty:
        return _nothing_to_draw(ax, "Expected lifetime value")
    ordered = table.sort_values("clv")
    y = np.arange(len(ordered))
    ax.barh(y, ordered["clv"], color=PALETTE["main"])
    for yi, share in zip(y, ordered["clv_share"], strict=True):
        if pd.notna(share):
            ax.annotate(
                f" {share:.0%}", (ordered["clv"].iloc[int(yi)], yi), va="center", fontsize=8
            )
    ax.set_yticks(y, [safe_label(g) for g in ordered[column]])
    ax.set_xlabel(f"expected value over the horizon, {safe_label(currency, max_length=8)}")
    ax.set_title(f"Expected lifetime value by {safe_label(column.replace('_', ' '))}")
    return ax


def plot_p_alive(customers: pd.DataFrame, *, ax=None):
    """Draw the distribution of P(alive) over customers (``ClvResult.customers``)."""
    ax = new_axes(ax, figsize=(6.0, 3.5))
    if "p_alive" not in customers or customers.empty:
        return _nothing_to_draw(ax, "Probability customers are still buying")
    ax.hist(customers["p_alive"], bins=np.linspace(0, 1, 21), color=PALETTE["main"])
    ax.axvline(0.5, color=PALETTE["red"], linestyle="--", label="50%")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("probability the customer is still active")
    ax.set_ylabel("customers")
    ax.set_title("How many customers are probably still buying")
    ax.legend(loc="upper center")
    return ax
