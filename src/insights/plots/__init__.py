"""Plots for the report: ``plot_*(data, *, ax=None) -> Axes``; draw only, never save or show.

``plots.core`` holds the shared style and ``safe_label``; one module per report section.
"""

from insights.plots import behaviour, clusters, clv, core, dependency

__all__ = ["behaviour", "clusters", "clv", "core", "dependency"]
