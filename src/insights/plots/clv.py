"""Plots for the lifetime-value section: holdout check, lifetime vs first purchase, value by
group, P(alive) distribution.

Each ``plot_*(data, *, ax=None) -> Axes`` draws only (never saves or shows); data-derived
labels pass through ``safe_label``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from insights.plots.core import PALETTE, currency_sign, money_axis, new_axes, safe_label, share_axis
from insights.reporting.core import fmt_number, fmt_share
from insights.reporting.i18n import N_, _
from insights.reporting.labels import label_code, label_dimension

_NOTHING = N_("not applicable for this data (see the text)")


def _nothing_to_draw(ax, title: str):
    """Draw an empty chart with a note, for a section whose model did not apply."""
    ax.text(0.5, 0.5, _(_NOTHING), ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(_(title))
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
        return _nothing_to_draw(ax, N_("Holdout check"))
    x = np.arange(len(by_frequency))
    ax.plot(x, by_frequency["actual"], marker="o", color=PALETTE["main"], label=_("actual"))
    ax.plot(
        x,
        by_frequency["predicted"],
        marker="s",
        linestyle="--",
        color=PALETTE["accent"],
        label=_("predicted"),
    )
    ax.set_xticks(x, [safe_label(f) for f in by_frequency["frequency"]])
    ax.set_xlabel(_("repeat purchases in the earlier period the model learned from"))
    ax.set_ylabel(_("mean purchases in the later, held-back period"))
    ax.set_title(_("Model check: predicted vs actual repeat purchases"))
    ax.legend(loc="upper left")
    return ax


def plot_lifetime_vs_first(by_purchases: pd.DataFrame, *, currency: str = "RUB", ax=None):
    """Draw mean first-purchase and lifetime revenue per number of purchase days.

    ``by_purchases`` is ``clv.summarize_lifetime_by_purchases``; the gap between the bars
    is what a customer who comes back is worth beyond the first sale.
    """
    ax = new_axes(ax, figsize=(7.0, 4.0))
    if by_purchases.empty:
        return _nothing_to_draw(ax, N_("Lifetime revenue against the first purchase"))
    x = np.arange(len(by_purchases))
    width = 0.4
    ax.bar(
        x - width / 2,
        by_purchases["first_purchase_revenue"],
        width,
        color=PALETTE["grey"],
        label=_("first purchase"),
    )
    ax.bar(
        x + width / 2,
        by_purchases["lifetime_revenue"],
        width,
        color=PALETTE["main"],
        label=_("lifetime so far"),
    )
    for xi, ratio in zip(x, by_purchases["lifetime_to_first"], strict=True):
        if pd.notna(ratio):
            top = by_purchases["lifetime_revenue"].iloc[int(xi)]
            ax.annotate(
                "×" + fmt_number(ratio, digits=1), (xi + width / 2, top), ha="center", va="bottom", fontsize=8
            )
    ax.set_xticks(x, [safe_label(p) for p in by_purchases["purchases"]])
    ax.set_xlabel(_("purchase days per customer"))
    ax.set_ylabel(_("mean revenue per customer, {currency}").format(currency=currency_sign(currency)))
    money_axis(ax.yaxis)
    ax.set_title(_("Lifetime revenue against the first purchase"))
    ax.legend(loc="upper left")
    return ax


def plot_clv_by_group(table: pd.DataFrame, *, column: str, currency: str = "RUB", ax=None):
    """Draw the expected lifetime value per group as horizontal bars, largest on top.

    ``table`` is ``clv.summarize_clv_by(..., column=column)``.
    """
    ax = new_axes(ax, figsize=(7.0, max(2.5, 0.45 * len(table) + 1.0)))
    if table.empty:
        return _nothing_to_draw(ax, N_("Expected lifetime value"))
    ordered = table.sort_values("clv")
    y = np.arange(len(ordered))
    ax.barh(y, ordered["clv"], color=PALETTE["main"])
    for yi, share in zip(y, ordered["clv_share"], strict=True):
        if pd.notna(share):
            ax.annotate(
                " " + fmt_share(share, digits=0), (ordered["clv"].iloc[int(yi)], yi), va="center", fontsize=8
            )
    ax.set_yticks(y, [safe_label(label_code(column, g)) for g in ordered[column]])
    ax.set_xlabel(_("expected value over the horizon, {currency}").format(currency=currency_sign(currency)))
    money_axis(ax.xaxis)
    ax.set_title(_("Expected lifetime value by {dimension}").format(dimension=safe_label(label_dimension(column))))
    return ax


def plot_p_alive(customers: pd.DataFrame, *, ax=None):
    """Draw the distribution of P(alive) over customers (``ClvResult.customers``): a seaborn histogram."""
    ax = new_axes(ax, figsize=(6.0, 3.5))
    if "p_alive" not in customers or customers.empty:
        return _nothing_to_draw(ax, N_("Probability customers are still buying"))
    import seaborn as sns

    sns.histplot(x=customers["p_alive"].to_numpy(dtype=float), bins=np.linspace(0, 1, 21),
                 color=PALETTE["main"], ax=ax)  # fmt: skip
    ax.axvline(0.5, color=PALETTE["red"], linestyle="--", label=fmt_share(0.5, digits=0))
    share_axis(ax.xaxis)
    ax.set_xlabel(_("probability the customer is still active"))
    ax.set_ylabel(_("customers"))
    ax.set_title(_("How many customers are probably still buying"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax
