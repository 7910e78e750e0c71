"""Smoke tests for insights.plots.dependency: each plot draws on a given Axes with safe labels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from insights import concentration as c  # noqa: E402
from insights import key_person as kp  # noqa: E402
from insights import mix  # noqa: E402
from insights.plots import dependency as pdp  # noqa: E402


def test_every_plot_draws_on_the_given_axes_and_keeps_dollar_names_literal():
    revenue = pd.Series({"Cash $ Carry": 57.0, "b": 23.0, "c": 20.0})
    summary = c.summarize_concentration(revenue)
    trend = pd.DataFrame({"quarter": ["2026Q2", "2026Q3"], "top_1_share": [0.6, 0.57],
                          "top_5_share": [1.0, 1.0], "top_fraction_share": [0.6, 0.57],
                          "hhi": [4000.0, 3900.0]})  # fmt: skip
    risk = kp.manager_exposure(pd.DataFrame({"customer_id": ["a", "b"],
                                             "account_manager": ["$x$ Smith", "Ann"],
                                             "revenue": [70.0, 30.0]}))  # fmt: skip
    shares = mix.mix_shares(revenue, revenue).assign(dimension="product_line")
    fig, axes = plt.subplots(2, 3)
    drawn = [
        pdp.plot_lorenz(summary.lorenz, gini=summary.gini, ax=axes[0, 0]),
        pdp.plot_concentration_trend(trend, ax=axes[0, 1]),
        pdp.plot_stress_test(c.stress_test(revenue), ax=axes[0, 2]),
        pdp.plot_manager_shares(risk.table, ax=axes[1, 0]),
        pdp.plot_mix_shares(shares, dimension="product_line", ax=axes[1, 1]),
    ]
    assert drawn == [axes[0, 0], axes[0, 1], axes[0, 2], axes[1, 0], axes[1, 1]]
    fig.canvas.draw()  # would fail on an unescaped "$x$ Smith" if mathtext parsed it oddly
    labels = [t.get_text() for t in axes[1, 0].get_yticklabels()]
    assert r"\$x\$ Smith" in labels
    mix_labels = [t.get_text() for t in axes[1, 1].get_yticklabels()]
    assert r"Cash \$ Carry" in mix_labels
    plt.close(fig)


def test_lorenz_of_many_customers_is_drawn_through_its_own_points_ends_kept():
    revenue = pd.Series(range(1, 100_001), dtype="float64")
    lorenz = c.lorenz_curve(revenue)
    fig, ax = plt.subplots()
    pdp.plot_lorenz(lorenz, ax=ax)
    x, y = ax.get_lines()[1].get_data()
    assert len(x) == pdp.LORENZ_POINTS
    assert (x[0], y[0]) == (0.0, 0.0) and (x[-1], y[-1]) == (1.0, 1.0)
    exact = lorenz.set_index("customer_share")["revenue_share"]
    assert exact.loc[list(x)].tolist() == list(y)  # points of the curve, not smoothed ones
    plt.close(fig)


def test_hhi_axis_fits_the_data_and_shows_the_band_limits_it_reaches():
    def hhi_axis(values):
        trend = pd.DataFrame({"quarter": ["2026Q2", "2026Q3"], "top_1_share": [0.01, 0.01],
                              "hhi": values})  # fmt: skip
        fig, ax = plt.subplots()
        pdp.plot_concentration_trend(trend, ax=ax)
        other = fig.axes[1]
        limits = sorted(line.get_ydata()[0] for line in other.get_lines()[1:])
        plt.close(fig)
        return other.get_ylim()[1], limits

    upper, limits = hhi_axis([16.0, 24.0])  # a spread-out base: visible, no band line
    assert upper == 100.0 and limits == []
    upper, limits = hhi_axis([1500.0, 2000.0])
    assert upper == 2500.0 and limits == [1000.0, 1800.0]
    upper, _ = hhi_axis([9900.0, 10000.0])
    assert upper == 10200.0
