"""One notebook cell per report section: ``reporting.sections.show`` and the plot theme.

A section shown in a kernel emits its heading, texts, tables and charts as separate outputs,
in the order the cell lists them; each chart is drawn once, as the report's 2x PNG with alt
text, and closed. The charts take the report's one theme (``plots.core.THEME``) without the
notebook's setup.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402

from insights import concentration  # noqa: E402
from insights.plots import core  # noqa: E402
from insights.plots import dependency as plots  # noqa: E402
from insights.reporting import sections  # noqa: E402
from insights.reporting.core import Html  # noqa: E402
from insights.reporting.i18n import set_language  # noqa: E402


@pytest.fixture()
def shell():
    """An IPython shell (as in a kernel) whose displayed outputs are collected in order."""
    outputs: list[tuple[dict, dict]] = []
    shell = InteractiveShell.instance()
    previous = shell.display_pub.publish
    shell.display_pub.publish = lambda data, metadata=None, **_kw: outputs.append((data, metadata or {}))
    set_language("en")
    core.use_report_style()  # the notebook's setup: the theme and 2x PNGs with alt text
    plt.close("all")
    yield shell, outputs
    shell.display_pub.publish = previous
    plt.close("all")


def test_a_section_shows_heading_text_chart_and_table_in_order_and_draws_the_chart_once(shell):
    ipython, outputs = shell
    revenue = pd.Series({"a": 50.0, "b": 30.0, "c": 20.0})
    stress = concentration.stress_test(revenue, top=[1, 2])
    ipython.user_ns.update(sections=sections, plots=plots, stress=stress, Html=Html)
    result = ipython.run_cell(
        'sections.show("stress", Html("<p>Half goes.</p>"), plots.plot_stress_test(stress), '
        'None, Html("<table></table>"))'
    )
    assert result.success
    kinds = [("image/png" if "image/png" in data else data.get("text/html", "")) for data, _ in outputs]
    assert kinds == ["<h3>Stress test: revenue left if the largest customers leave</h3>",
                     "<p>Half goes.</p>", "image/png", "<table></table>"]  # fmt: skip
    png_meta = outputs[2][1]["image/png"]
    assert png_meta["alt"].startswith("Chart: Revenue left if the largest customers leave")
    assert "without top 1: 50%" in png_meta["alt"]  # the chart's message, for screen readers
    assert plt.get_fignums() == []  # closed once shown: the inline backend does not draw it again


def test_a_section_without_a_key_shows_only_its_parts():
    shown = sections.show(None, Html("<h1>Fleet</h1>"), None).outputs()
    assert shown == ["<h1>Fleet</h1>"]
    with pytest.raises(KeyError):
        sections.show("no_such_section")


def test_every_chart_takes_the_report_theme_without_the_notebook_setup(monkeypatch):
    stress = concentration.stress_test(pd.Series({"a": 2.0, "b": 1.0}), top=[1])
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        monkeypatch.setattr(core, "_THEMED", [])
        plots.plot_stress_test(stress)
        assert matplotlib.rcParams["font.family"] == ["DejaVu Sans"]
        assert matplotlib.rcParams["axes.titleweight"] == "bold"
        assert matplotlib.rcParams["axes.grid"]  # seaborn's whitegrid
        # applied once: a reader's own setting made after the first chart stays
        matplotlib.rcParams["axes.titleweight"] = "normal"
        plots.plot_stress_test(stress)
        assert matplotlib.rcParams["axes.titleweight"] == "normal"
    plt.close("all")


@pytest.mark.parametrize("layout", [None, "constrained"])
def test_charts_are_drawn_once_with_the_pixels_of_ipythons_retina_png(layout):
    """``retina_rgba`` skips matplotlib's measuring draw, not a pixel of IPython's picture.

    The chart has what the tight box must find: a legend outside the axes on the right, long
    tick labels on the left, a title and a label below. With a layout engine (which moves
    artists at draw time) the two-draw path is taken, with the same result.
    """
    import io

    import numpy as np
    from IPython.core.pylabtools import retina_figure
    from PIL import Image

    def chart():
        figure, ax = plt.subplots(figsize=(6, 3), layout=layout)
        ax.barh(["a very long customer name", "b"], [3.0, 1.0], label="revenue")
        ax.set_title("Title")
        ax.set_xlabel("share of the total")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
        return figure

    core.apply_theme()
    png, meta = retina_figure(chart(), bbox_inches="tight")
    expected = np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))
    figure = chart()
    drawn = core.retina_rgba(figure)
    assert np.array_equal(np.asarray(drawn), expected)
    assert (drawn.width // 2, drawn.height // 2) == (meta["width"], meta["height"])
    assert drawn.width > 2 * 6 * figure.dpi  # the box grew to hold the legend
    plt.close(figure)
    assert core.retina_rgba(plt.figure()) is None  # an empty figure shows nothing, as in IPython
    plt.close("all")
