"""Plots for the dependency section: Lorenz curve, concentration trend, stress test, managers, mix.

Each ``plot_*(data, *, ax=None) -> Axes`` draws only (never saves or shows); data-derived
labels pass through ``safe_label``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from insights.concentration import HHI_BANDS, HHI_HIGH
from insights.plots.core import (
    PALETTE,
    describe,
    fmt_count,
    new_axes,
    quarter_label,
    safe_label,
    share_axis,
)
from insights.reporting.core import fmt_number, fmt_share
from insights.reporting.i18n import N_, _
from insights.reporting.labels import label_code, label_dimension

_VERDICT_COLOURS = {
    "severe": PALETTE["red"],
    "high": PALETTE["accent"],
    "moderate": PALETTE["yellow"],
    "low": PALETTE["green"],
}


#: The HHI band names, marked for translation (they come from ``concentration``).
_BAND_NAMES = (N_("unconcentrated"), N_("moderately concentrated"), N_("highly concentrated"))

#: Points drawn of a Lorenz curve (the curve itself keeps every customer).
LORENZ_POINTS = 2001


def plot_lorenz(lorenz: pd.DataFrame, *, gini: float | None = None, ax=None):
    """Draw the Lorenz curve of revenue against the line of equality.

    ``lorenz`` is ``concentration.lorenz_curve`` (or ``ConcentrationSummary.lorenz``). A
    curve of millions of customers is drawn through ``LORENZ_POINTS`` evenly spaced points
    (both ends kept): the same picture at this size, in a fraction of the time.
    """
    if len(lorenz) > LORENZ_POINTS:
        lorenz = lorenz.iloc[np.unique(np.linspace(0, len(lorenz) - 1, LORENZ_POINTS).round().astype(int))]
    ax = new_axes(ax, figsize=(5.0, 5.0))
    ax.plot([0, 1], [0, 1], color=PALETTE["grey"], linestyle="--", label=_("equal revenue"))
    label = _("customers") if gini is None or pd.isna(gini) else _(
        "customers (Gini {gini}: 0 = all equal, 1 = one customer has all)"
    ).format(gini=fmt_number(gini, digits=2))
    ax.plot(lorenz["customer_share"], lorenz["revenue_share"], color=PALETTE["main"], label=label)
    ax.fill_between(lorenz["customer_share"], lorenz["revenue_share"], lorenz["customer_share"],
                    color=PALETTE["main"], alpha=0.12)  # fmt: skip
    share_axis(ax.xaxis)
    share_axis(ax.yaxis)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(_("share of customers (smallest first)"))
    ax.set_ylabel(_("share of revenue"))
    ax.set_title(_("How revenue is spread over customers (last 12 months)"))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=8)  # below the axes, never on the curve
    if gini is not None and pd.notna(gini):
        describe(ax, _("The Gini coefficient is {gini}: 0 means every customer brings the same, 1 means one brings all.")
                 .format(gini=fmt_number(gini, digits=2)))  # fmt: skip
    return ax


def plot_concentration_trend(trend: pd.DataFrame, *, ax=None):
    """Draw the top-1/5/10 shares per quarter, with the HHI on a second axis.

    The HHI axis is scaled to the data (a spread-out base's HHI of 20 is not drawn flat
    against a 10,000 scale); the 1,000 and 1,800 band limits are drawn where they fit.
    ``trend`` is ``concentration.concentration_trend``.
    """
    ax = new_axes(ax)
    x = np.arange(len(trend))
    shares = [c for c in trend.columns if c.startswith("top_") and c.endswith("_share")]
    colours = [PALETTE["main"], PALETTE["accent"], PALETTE["green"], PALETTE["grey"]]
    for column, colour in zip(shares, colours * 3, strict=False):
        name = _("top 20%") if column == "top_fraction_share" else _("top {n}").format(n=column[4:-6])
        ax.plot(x, trend[column], marker="o", color=colour, label=name)
    share_axis(ax.yaxis)
    ax.set_ylim(0, 1)
    ax.set_ylabel(_("share of revenue"))
    ax.set_xticks(x, [quarter_label(q) for q in trend["quarter"]], rotation=45, ha="right")
    other = ax.twinx()
    other.plot(x, trend["hhi"], color=PALETTE["red"], linestyle=":", marker="s", label=_("HHI"))
    other.set_ylabel(_("HHI, concentration index 0–10,000 (right axis)"))
    top = float(np.nanmax(trend["hhi"])) if trend["hhi"].notna().any() else 0.0
    # scaled to the data so a small HHI's movement shows; the band limits drawn when in range
    upper = min(max(top * 1.25, 100.0), 10000.0 * 1.02)
    other.set_ylim(0, upper)
    above = [label for _limit, label in HHI_BANDS[1:]] + [HHI_HIGH]  # the band above each limit
    for (limit, _band), name in zip(HHI_BANDS, above, strict=True):
        if limit < upper:
            other.axhline(limit, color=PALETTE["grey"], linestyle="--", linewidth=0.8)
            text = " " + _("{band} from {limit}").format(band=_(name), limit=fmt_count(limit))
            other.text(x[-1] if len(x) else 0, limit, text, va="bottom", ha="right", fontsize=7,
                       color=PALETTE["grey"])  # fmt: skip
    other.grid(False)
    lines, labels = ax.get_legend_handles_labels()
    more, more_labels = other.get_legend_handles_labels()
    ax.legend(lines + more, labels + more_labels, loc="upper left", bbox_to_anchor=(1.12, 1.0),
              fontsize=8)  # fmt: skip
    ax.set_title(_("Concentration over the last quarters"))
    if len(trend) and "top_1_share" in trend:
        describe(ax, _("In {quarter} the largest customer brought {share} of revenue; HHI {hhi}.").format(
            quarter=quarter_label(trend["quarter"].iloc[-1]), share=fmt_share(trend["top_1_share"].iloc[-1]),
            hhi=fmt_count(trend["hhi"].iloc[-1])))  # fmt: skip
    return ax


def plot_stress_test(stress: pd.DataFrame, *, ax=None):
    """Draw the revenue share left if the top N customers leave, coloured by verdict.

    ``stress`` is ``concentration.stress_test``; a dashed line marks half of revenue.
    """
    ax = new_axes(ax, figsize=(6.0, 3.5))
    labels = [_("without top {n}").format(n=n) for n in stress["top_n"]]
    colours = [_VERDICT_COLOURS.get(v, PALETTE["grey"]) for v in stress["verdict"]]
    bars = ax.barh(labels, stress["share_left"].fillna(0.0), color=colours)
    for bar, share in zip(bars, stress["share_left"], strict=True):
        if pd.notna(share):
            ax.text(bar.get_width() + 0.01, bar.get_y() + bar.get_height() / 2, fmt_share(share, digits=0),
                    va="center", fontsize=9)  # fmt: skip
    ax.axvline(0.5, color=PALETTE["red"], linestyle="--", linewidth=1)
    ax.text(0.5, 1.01, _("half of revenue"), transform=ax.get_xaxis_transform(), ha="center",
            va="bottom", fontsize=8, color=PALETTE["red"])  # fmt: skip
    ax.set_xlim(0, 1.1)
    share_axis(ax.xaxis)
    ax.invert_yaxis()
    ax.set_xlabel(_("share of revenue left"))
    ax.set_title(_("Revenue left if the largest customers leave"), pad=16)
    left = [f"{label}: {fmt_share(share, digits=0)}" for label, share in zip(labels, stress["share_left"], strict=True)]
    return describe(ax, "; ".join(left))


def plot_manager_shares(table: pd.DataFrame, *, top: int = 10, ax=None):
    """Draw each manager's revenue share and the share at risk if they leave.

    ``table`` is ``key_person.ManagerRisk.table`` (largest exposure first).
    """
    rows = table.head(top)
    ax = new_axes(ax, figsize=(7.0, max(2.5, 0.45 * len(rows) + 1)))
    y = np.arange(len(rows))
    ax.barh(
        y - 0.2, rows["revenue_share"], height=0.4, color=PALETTE["main"], label=_("revenue handled")
    )
    ax.barh(y + 0.2, rows["at_risk_share"], height=0.4, color=PALETTE["accent"],
            label=_("at risk if they leave"))  # fmt: skip
    ax.set_yticks(y, [safe_label(m) for m in rows["account_manager"]])
    ax.invert_yaxis()
    share_axis(ax.xaxis)
    ax.set_xlabel(_("share of revenue over the last 12 months"))
    ax.set_title(_("Key-person risk by account manager"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside the bars, never on one
    return ax


def plot_mix_shares(shares: pd.DataFrame, *, dimension: str, top: int = 8, ax=None):
    """Draw one dimension's revenue shares now beside a year earlier.

    ``shares`` is ``mix.MixResult.shares`` (or ``mix_shares`` output with a ``dimension``).
    """
    rows = (
        shares[shares["dimension"] == dimension].head(top)
        if "dimension" in shares
        else shares.head(top)
    )
    ax = new_axes(ax, figsize=(7.0, max(2.5, 0.45 * len(rows) + 1)))
    y = np.arange(len(rows))
    ax.barh(
        y - 0.2,
        rows["share"].fillna(0.0),
        height=0.4,
        color=PALETTE["main"],
        label=_("last 12 months"),
    )
    ax.barh(y + 0.2, rows["share_year_ago"].fillna(0.0), height=0.4, color=PALETTE["grey"],
            label=_("a year earlier"))  # fmt: skip
    ax.set_yticks(y, [safe_label(label_code(dimension, v)) for v in rows["value"]])
    ax.invert_yaxis()
    share_axis(ax.xaxis)
    ax.set_xlabel(_("share of revenue"))
    ax.set_title(_("Revenue mix by {dimension}").format(dimension=safe_label(label_dimension(dimension))))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside the bars, never on one
    if rows["share"].notna().any():
        largest = rows.loc[rows["share"].idxmax()]
        describe(ax, _("The largest, {value}, brings {share} of the last 12 months' revenue.").format(
            value=label_code(dimension, largest["value"]), share=fmt_share(largest["share"])))  # fmt: skip
    return ax
