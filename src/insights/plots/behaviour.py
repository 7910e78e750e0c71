"""Plots for the customer-behaviour sections: segments, movement, cohorts, referral share.

Each ``plot_*(data, *, ax=None) -> Axes`` draws only (never saves or shows); data-derived
labels pass through ``safe_label``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from insights.plots.core import (
    PALETTE,
    colour_key,
    describe,
    fmt_count,
    new_axes,
    quarter_label,
    safe_label,
    share_axis,
)
from insights.reporting.core import fmt_share
from insights.reporting.i18n import N_, _
from insights.reporting.labels import label_code


def plot_segments(
    summary: pd.DataFrame, *, ax=None, title: str = N_("Customers and revenue by segment")
):
    """Draw each segment's share of customers beside its share of trailing-12-month revenue.

    ``summary`` is ``segments.segment_summary`` (lifecycle or RFM).
    """
    ax = new_axes(ax)
    labels = [safe_label(label_code("segment", s)) for s in summary["segment"].astype(str)]
    y = np.arange(len(labels))
    ax.barh(y - 0.2, summary["customer_share"].fillna(0), height=0.4, color=PALETTE["main"],
            label=_("customers"))
    ax.barh(y + 0.2, summary["revenue_share"].fillna(0), height=0.4, color=PALETTE["accent"],
            label=_("revenue over the last 12 months"))
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    share_axis(ax.xaxis)
    ax.set_xlabel(_("share of total"))
    ax.set_title(_(title))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside the bars, never on one
    if summary["revenue_share"].notna().any():
        top = summary.loc[summary["revenue_share"].idxmax()]
        describe(ax, _("{segment}: {customers} of customers bring {revenue} of revenue.").format(
            segment=label_code("segment", str(top["segment"])), customers=fmt_share(top["customer_share"]),
            revenue=fmt_share(top["revenue_share"])))  # fmt: skip
    return ax


def plot_transitions(transitions, *, value: str = "customers", ax=None):
    """Draw the segment transition matrix as an annotated heatmap.

    ``transitions`` is ``segments.segment_transitions``; ``value`` is "customers" or
    "revenue_share" (share of last year's revenue).
    """
    matrix = getattr(transitions, value)
    if matrix is None:
        raise ValueError(f"plot_transitions: the transitions have no {value!r}; pass prev_revenue.")
    ax = new_axes(ax, figsize=(7.0, 4.5))
    data = matrix.to_numpy(dtype=float)
    image = ax.imshow(data, cmap="Blues", aspect="auto")
    share = value == "revenue_share"
    top = np.nanmax(data) if data.size and np.isfinite(data).any() else 0.0
    for (i, j), cell in np.ndenumerate(data):
        if np.isfinite(cell) and cell != 0:
            text = fmt_share(cell) if share else fmt_count(cell)
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="white" if cell > top * 0.6 else "black")
    ax.set_xticks(range(matrix.shape[1]), [safe_label(label_code("segment", c)) for c in matrix.columns])
    ax.set_yticks(range(matrix.shape[0]), [safe_label(label_code("segment", r)) for r in matrix.index])
    ax.set_xlabel(_("segment this quarter"))
    ax.set_ylabel(_("segment last quarter"))
    ax.set_title(_("Movement between segments (share of last year's revenue)") if share
                 else _("Movement between segments"))  # fmt: skip
    colour_key(ax, image, label=_("share of last year's revenue") if share else _("customers"), share=share)
    ax.grid(False)
    return ax


def plot_cohorts(table, *, metric: str = "retention", ax=None):
    """Draw the cohort heatmap; cells not observable yet stay blank.

    ``table`` is ``cohorts.acquisition_cohorts``; ``metric`` is "retention" (share still
    buying) or "revenue_retention" (revenue vs the acquisition quarter).
    """
    frame = getattr(table, metric)
    ax = new_axes(ax, figsize=(8.0, 0.35 * max(len(frame), 4) + 1.5))
    data = frame.to_numpy(dtype=float)
    masked = np.ma.masked_invalid(data)
    cmap = _blank_cmap()
    image = ax.imshow(masked, cmap=cmap, aspect="auto", vmin=0.0, vmax=1.0 if metric == "retention"
              else max(1.0, float(np.nanmax(data)) if np.isfinite(data).any() else 1.0))
    for (i, j), cell in np.ndenumerate(data):
        if np.isfinite(cell):
            ax.text(j, i, fmt_share(cell, digits=0), ha="center", va="center", fontsize=7,
                    color="white" if cell > 0.6 else "black")
    ax.set_xticks(range(frame.shape[1]), [str(c) for c in frame.columns])
    sizes = table.sizes.reindex(frame.index)
    ax.set_yticks(range(frame.shape[0]),
                  [f"{quarter_label(q)} ({fmt_count(n)})" for q, n in zip(frame.index, sizes.fillna(0), strict=True)])
    ax.set_xlabel(_("quarters since first purchase (blank: not observable yet)"))
    ax.set_ylabel(_("cohort (customers)"))
    retention = metric == "retention"
    ax.set_title(_("Share of each cohort still buying") if retention
                 else _("Revenue retained vs the first quarter"))  # fmt: skip
    colour_key(ax, image, label=_("still buying") if retention else _("revenue vs first quarter"), share=True)
    ax.grid(False)
    return ax


def _blank_cmap():
    import matplotlib

    return matplotlib.colormaps["Blues"].with_extremes(bad=(1.0, 1.0, 1.0, 0.0))


def plot_referral_share(summary, *, ax=None):
    """Draw new customers per quarter (bars) and the referral share (line, right axis).

    ``summary`` is ``cohorts.new_customers_by_source``.
    """
    ax = new_axes(ax)
    counts = summary.new_customers
    x = np.arange(len(counts))
    ax.bar(x, counts.sum(axis=1), color=PALETTE["main"], alpha=0.35, label=_("new customers"))
    ax.set_xticks(x, [quarter_label(q) for q in counts.index])
    ax.set_ylabel(_("new customers"))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    right = ax.twinx()
    right.plot(x, summary.referral_share.to_numpy(dtype=float), marker="o",
               color=PALETTE["accent"], label=_("referral share"))
    share_axis(right.yaxis)
    right.set_ylim(bottom=0)
    right.set_ylabel(_("referral share (right axis)"))
    right.grid(False)
    lines, labels = ax.get_legend_handles_labels()
    more, more_labels = right.get_legend_handles_labels()
    ax.legend(lines + more, labels + more_labels, loc="upper left", bbox_to_anchor=(1.12, 1.0), fontsize=8)
    ax.set_title(_("New customers and the referral share"))
    return ax
