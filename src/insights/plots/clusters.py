"""Plots for the behavioural-clusters section: silhouette curve, 2-D projection, profiles.

Each ``plot_*(result, *, ax=None) -> Axes`` takes a ``clustering.ClusterResult`` and draws
only (never saves or shows); cluster names pass through ``safe_label``. A degenerate result
draws its plain sentence instead of a chart.
"""

from __future__ import annotations

import textwrap

import matplotlib
import numpy as np

from insights.plots.core import PALETTE, colour_key, new_axes, number_axis, safe_label
from insights.reporting.clusters import cluster_label
from insights.reporting.core import fmt_number, fmt_share
from insights.reporting.i18n import N_, _

#: Short axis labels of the features in the profile heatmap.
FEATURE_LABELS = {
    "recency_days": N_("days since last"),
    "frequency": N_("purchases"),
    "monetary_total": N_("total spend"),
    "monetary_mean": N_("spend / purchase"),
    "tenure_days": N_("tenure"),
    "mean_gap_days": N_("gap"),
    "product_line_count": N_("product lines"),
    "services_share": N_("services"),
    "online_share": N_("online"),
    "trend": N_("trend"),
}


def _colours(k: int) -> list:
    cmap = matplotlib.colormaps["tab10" if k <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(k)]


def _message(ax, result):
    text = textwrap.fill(safe_label(result.message, max_length=200), width=45)
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    return ax


def plot_silhouette(result, *, ax=None):
    """Draw mean silhouette against k, marking the k used (higher = better separated)."""
    ax = new_axes(ax, figsize=(6.0, 3.5))
    curve = result.silhouette.dropna(subset=["silhouette"])
    if not result.ok or curve.empty:
        return _message(ax, result)
    ax.plot(curve["k"], curve["silhouette"], marker="o", color=PALETTE["main"])
    chosen = curve[curve["k"] == result.k]
    ax.scatter(
        chosen["k"],
        chosen["silhouette"],
        s=120,
        color=PALETTE["accent"],
        zorder=3,
        label=_("chosen: {k} groups").format(k=result.k),
    )
    ax.set_xticks(curve["k"].astype(int).tolist())
    number_axis(ax.yaxis, digits=2)
    ax.set_xlabel(_("number of groups (k)"))
    ax.set_ylabel(_("silhouette (1 = apart, 0 = mixed)"))
    ax.set_title(_("How well separated the groups are, by their number"))
    ax.legend(loc="best")
    return ax


def plot_cluster_projection(result, *, ax=None):
    """Draw the customers (a fixed-seed sample) on the first two principal components."""
    ax = new_axes(ax, figsize=(7.0, 5.0))
    if not result.ok or result.projection.empty:
        return _message(ax, result)
    data = result.projection
    colours = _colours(int(result.k))
    names = result.sizes.set_index("cluster")["cluster_name"]
    for cluster, name in names.items():
        part = data[data["cluster"] == cluster]
        ax.scatter(
            part["pc1"],
            part["pc2"],
            s=6,
            alpha=0.5,
            color=colours[int(cluster) - 1],
            label=safe_label(f"{cluster}. {cluster_label(name)}", max_length=45),
            rasterized=True,
        )
    variance = list(result.projection_variance) + [0.0, 0.0]
    ax.set_xlabel(_("main direction of difference 1 ({share} of the spread)").format(
        share=fmt_share(variance[0], digits=0)))
    ax.set_ylabel(_("main direction of difference 2 ({share} of the spread)").format(
        share=fmt_share(variance[1], digits=0)))
    ax.set_title(_("Customers by behaviour (each dot a customer, flattened to 2-D)"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), markerscale=3, fontsize=8)
    return ax


def plot_cluster_profiles(result, *, ax=None):
    """Draw each cluster's average scaled feature as a heatmap (0 = a typical customer).

    Colour: the cluster's mean of the scaled feature (standard deviations from the median
    customer, capped at +/-2 for the colour); text: the median in original units.
    """
    ax = new_axes(ax, figsize=(9.0, 0.6 * max(int(result.k or 1), 3) + 1.5))
    if not result.ok or result.centers.empty:
        return _message(ax, result)
    centers = result.centers
    data = centers.to_numpy(dtype=float)
    image = ax.imshow(np.clip(data, -2, 2), cmap="RdBu_r", vmin=-2, vmax=2, aspect="auto")
    profiles = result.profiles.set_index("cluster")
    for (i, j), cell in np.ndenumerate(data):
        value = profiles[centers.columns[j]].get(centers.index[i], np.nan)
        ax.text(
            j,
            i,
            _compact(value),
            ha="center",
            va="center",
            fontsize=7,
            color="white" if abs(cell) > 1.3 else "black",
        )
    ax.set_xticks(
        range(data.shape[1]),
        [safe_label(_(FEATURE_LABELS[c]) if c in FEATURE_LABELS else c) for c in centers.columns],
        rotation=30,
        ha="right",
    )
    names = profiles["cluster_name"]
    ax.set_yticks(
        range(data.shape[0]),
        [safe_label(f"{c}. {cluster_label(names.get(c, ''))}", max_length=40) for c in centers.index],
    )
    ax.grid(False)
    ax.set_title(_("Group profiles (colour: above/below the typical customer)"))
    colour_key(ax, image, label=_("below ← typical → above"))
    return ax


def _compact(value: float) -> str:
    if value is None or not np.isfinite(value):
        return "–"
    size = abs(value)
    for limit, suffix in ((1e9, N_("bn")), (1e6, N_("M")), (1e3, N_("k"))):
        if size >= limit:
            return fmt_number(value / limit, digits=1) + ("" if _(suffix) == suffix else " ") + _(suffix)
    return fmt_number(value, digits=2 if size < 10 else 0)
