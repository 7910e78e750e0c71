"""Charts in the report's language: titles, axes, legends, code labels and colour keys.

Hand-made frames go through the plot functions with Russian set; the drawn texts are read
back from the Axes.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from insights.plots import behaviour, dependency  # noqa: E402
from insights.reporting.i18n import set_language  # noqa: E402
from insights.reporting.labels import set_labels  # noqa: E402


@pytest.fixture
def ru():
    set_language("ru")
    yield
    set_language("en")
    set_labels(None)
    plt.close("all")


def _mix() -> pd.DataFrame:
    return pd.DataFrame({
        "dimension": ["customer_type", "customer_type", "region"],
        "value": ["small_business", "fleet_operator", "moscow"],
        "share": [0.85, 0.15, 1.0], "share_year_ago": [0.8, 0.2, 1.0],
    })  # fmt: skip


def test_a_mix_chart_speaks_russian_and_labels_codes(ru):
    set_labels({"customer_type": {"fleet_operator": {"ru": "Автопарки", "en": "Fleets"}}})
    ax = dependency.plot_mix_shares(_mix(), dimension="customer_type")
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks == ["Малый бизнес", "Автопарки"]  # catalogue, then the params label
    assert ax.get_title() == "Структура выручки: тип клиента"
    assert ax.get_xlabel() == "доля выручки"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["последние 12 месяцев", "годом ранее"]
    ax.figure.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels()][:2] == ["0\u00a0%", "10\u00a0%"]


def test_a_legend_sits_beside_the_bars_not_on_them(ru):
    ax = dependency.plot_mix_shares(_mix(), dimension="customer_type")
    ax.figure.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    assert legend.x0 >= ax.get_window_extent().x1  # right of the plotting area


def test_every_heatmap_has_a_colour_key(ru):
    class Transitions:
        customers = pd.DataFrame(np.array([[5.0, 1.0], [2.0, 7.0]]), index=["new", "lost"], columns=["new", "lost"])
        revenue_share = None

    ax = behaviour.plot_transitions(Transitions(), value="customers")
    assert len(ax.figure.axes) == 2  # the heatmap and its colour bar
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Новые", "Потерянные"]
    assert ax.figure.axes[1].get_ylabel() == "клиенты"


def test_alt_text_states_the_chart_s_message(ru):
    from insights.plots.core import alt_text

    stress = pd.DataFrame({"top_n": [1, 3], "share_left": [0.4, 0.25], "verdict": ["severe", "severe"]})
    ax = dependency.plot_stress_test(stress)
    assert alt_text(ax.figure) == (
        "График: Сколько выручки останется, если уйдут крупнейшие клиенты. без топ-1: 40\u00a0%; без топ-3: 25\u00a0%"
    )


def test_quarters_currency_and_decimals_on_axes_are_written_as_in_the_text(ru):
    """Charts said "2024Q4", "RUB" and "0.220" in Russian reports; the text says
    "IV кв. 2024", "₽" and "0,220"."""
    from types import SimpleNamespace

    from insights.plots import clusters, clv

    trend = pd.DataFrame({"quarter": ["2024Q4", "2025Q1"], "top_1_share": [0.5, 0.4], "hhi": [2600.0, 1800.0]})
    ax = dependency.plot_concentration_trend(trend)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["IV кв. 2024", "I кв. 2025"]
    by_purchases = pd.DataFrame({"purchases": ["1", "2"], "first_purchase_revenue": [10.0, 12.0],
                                 "lifetime_revenue": [10.0, 30.0], "lifetime_to_first": [1.0, 2.5]})  # fmt: skip
    assert clv.plot_lifetime_vs_first(by_purchases, currency="RUB").get_ylabel().endswith(", ₽")
    curve = pd.DataFrame({"k": [2, 3, 4], "silhouette": [0.22, 0.195, 0.21]})
    chosen = clusters.plot_silhouette(SimpleNamespace(ok=True, silhouette=curve, k=2))
    chosen.figure.canvas.draw()
    ticks = [t.get_text() for t in chosen.get_yticklabels() if t.get_text()]
    assert ticks and all("." not in t for t in ticks) and any("," in t for t in ticks), ticks
    assert [t.get_text() for t in chosen.get_legend().get_texts()] == ["выбрано групп: 2"]
