"""Shared plot helpers: the report style, safe labels, and axes creation."""

from __future__ import annotations

import matplotlib

from insights.safety import clean_display_text

#: Colours of verdicts and tones, shared by every plot.
PALETTE = {
    "green": "#2e7d32",
    "yellow": "#f9a825",
    "red": "#c62828",
    "grey": "#757575",
    "main": "#1f4e79",
    "accent": "#e07b39",
}


def use_report_style() -> None:
    """Apply the report's plot style (seaborn whitegrid, readable sizes, fixed DPI).

    Fixed settings keep PNG output byte-identical between runs of the same data.
    """
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook", font_scale=0.95)
    matplotlib.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "figure.figsize": (8.0, 4.0),
            "axes.titleweight": "bold",
            "axes.titlesize": 12,
            "font.family": "DejaVu Sans",
            "svg.hashsalt": "insights",
            "text.usetex": False,
        }
    )


def safe_label(value: object, *, max_length: int = 30) -> str:
    """Return a label that matplotlib draws literally: cleaned, shortened, ``$`` escaped.

    A customer name with ``$`` would otherwise be parsed as mathtext (and can fail).

    >>> safe_label("Cash $ Carry")
    'Cash \\\\$ Carry'
    """
    return clean_display_text(value, max_length=max_length).replace("$", r"\$")


def new_axes(ax=None, *, figsize: tuple[float, float] = (8.0, 4.0)):
    """Return ``ax`` or a new Axes on a new figure of ``figsize``."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def money_axis(axis) -> None:
    """Label a money axis compactly (12k, 3.4M, 1.2bn) instead of an offset like 1e7."""
    from matplotlib.ticker import FuncFormatter

    def compact(value: float, _pos: int) -> str:
        size = abs(value)
        for limit, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
            if size >= limit:
                return f"{value / limit:.3g}{suffix}"
        return f"{value:.0f}"

    axis.set_major_formatter(FuncFormatter(compact))
