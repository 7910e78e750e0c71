"""Shared plot helpers: the report style, safe labels, and axes creation."""

from __future__ import annotations

from insights.reporting.core import fmt_number, fmt_quarter, fmt_share
from insights.reporting.i18n import _, current_language, current_locale
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


#: The report's one plot theme: seaborn's ``set_theme`` arguments, the report's fonts and
#: sizes in ``rc``. Fixed settings keep PNG output byte-identical between runs of the same
#: data. ``axes.titley`` pins titles to the top of their axes (none of the report's charts has
#: labels above the axes), which spares matplotlib a search for overlapping labels at every draw.
THEME: dict = {
    "style": "whitegrid",
    "context": "notebook",
    "font_scale": 0.95,
    "rc": {
        "figure.dpi": 100,
        "savefig.dpi": 100,
        "figure.figsize": (8.0, 4.0),
        "axes.titleweight": "bold",
        "axes.titlesize": 12,
        "axes.titley": 1.0,
        "font.family": "DejaVu Sans",
        "svg.hashsalt": "insights",
        "text.usetex": False,
        "legend.framealpha": 0.9,
    },
}

_THEMED: list[bool] = []


def apply_theme(*, once: bool = False) -> None:
    """Apply the report's plot theme (``THEME``: seaborn ``set_theme``) to matplotlib.

    With ``once``, only when it was never applied in this process: every ``plot_*``
    function calls it so through ``new_axes``, so a chart drawn without the notebook's setup
    has the report's look, and an analyst's own settings made after the first chart stay.
    """
    if once and _THEMED:
        return
    import seaborn as sns

    sns.set_theme(**THEME)
    _THEMED.append(True)


def use_report_style() -> None:
    """Apply the report's plot theme (``apply_theme``) and, in a notebook, its chart output.

    In a notebook, charts are drawn at twice the pixels of their on-page size ("retina") so they
    stay sharp on high-density screens and on paper.
    """
    apply_theme()
    _retina_inline()


def _retina_inline() -> None:
    """Show figures in Jupyter as 2x PNGs (drawn at 1x size) carrying their alt text.

    No-op outside IPython. The PNG formatter is IPython's own ``retina_figure`` with the
    inline backend's settings; its metadata gains ``alt`` (``alt_text``), which the HTML
    export writes into the ``<img>``.
    """
    try:
        from IPython import get_ipython
        from matplotlib.figure import Figure
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    set_matplotlib_formats("retina")
    shell.display_formatter.formatters["image/png"].for_type(Figure, _png_with_alt)


def _png_with_alt(figure):
    """Return (retina PNG bytes, metadata with width, height and alt) for a figure."""
    image = retina_rgba(figure)
    if image is None:
        return None
    return _palette_png(image), {
        "width": image.width // 2, "height": image.height // 2, "alt": alt_text(figure),
    }


def retina_rgba(figure):
    """Draw ``figure`` at twice its dpi, cropped as ``bbox_inches="tight"`` crops; a PIL image.

    The pixels IPython's ``retina_figure`` draws (the inline backend's ``bbox_inches="tight"``,
    the figure's face and edge colours), drawn once instead of twice: matplotlib's "tight"
    draws the whole figure a first time to find the box, but the box is only text and artist
    extents, which ``Figure.get_tightbbox`` measures without drawing (the report's charts pin
    their titles and legends, so nothing moves at draw time). A figure with a layout engine,
    which does move things at draw time, gets matplotlib's two draws. Returns None for an empty
    figure, as IPython does; the raw RGBA buffer also spares the PNG encode and decode.
    """
    import io

    import matplotlib as mpl
    from matplotlib.backends.backend_agg import RendererAgg
    from PIL import Image

    if not figure.axes and not figure.lines:
        return None
    dpi = 2 * figure.dpi
    colours = {"facecolor": figure.get_facecolor(), "edgecolor": figure.get_edgecolor()}
    if figure.get_layout_engine() is None:
        shown = figure.dpi
        figure.set_dpi(dpi)  # measure text as it will be drawn
        try:
            renderer = RendererAgg(int(figure.bbox.width), int(figure.bbox.height), dpi)
            box = figure.get_tightbbox(renderer)
        finally:
            figure.set_dpi(shown)
        box = box.padded(mpl.rcParams["savefig.pad_inches"])
        raw = io.BytesIO()
        figure.savefig(raw, format="rgba", dpi=dpi, bbox_inches=box, **colours)
        size = (int(box.width * dpi), int(box.height * dpi))  # the canvas matplotlib made for it
        if len(raw.getvalue()) == 4 * size[0] * size[1]:
            return Image.frombuffer("RGBA", size, raw.getvalue(), "raw", "RGBA", 0, 1)
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=dpi, bbox_inches="tight", **colours)
    with Image.open(png) as image:
        return image.convert("RGBA")


def _palette_png(image) -> bytes:
    """Return a chart as a 256-colour palette PNG: about a third of the bytes of full colour.

    Fast octree without dithering is deterministic, so a rerun gives the same bytes; on
    these flat-coloured charts it looks the same as median cut at a fifth of its cost, and
    zlib's default level gives nearly all of ``optimize``'s saving at a tenth of its time.
    """
    import io

    from PIL import Image

    flat = image.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    flat.save(out, format="png")
    return out.getvalue()


def describe(ax, message: str):
    """Record what the chart on ``ax`` says, in one sentence, for its alt text; return ``ax``."""
    ax.figure.insights_message = message
    return ax


def alt_text(figure) -> str:
    """Return a figure's alt text: its title(s) and, when a plot recorded one, its message."""
    titles = [ax.get_title() for ax in figure.axes if ax.get_title()]
    text = _("Chart: {section}").format(section="; ".join(titles) or _("report"))
    message = getattr(figure, "insights_message", "")
    return f"{text}. {message}" if message else text


def safe_label(value: object, *, max_length: int = 30) -> str:
    """Return a label that matplotlib draws literally: cleaned, shortened, ``$`` escaped.

    A customer name with ``$`` would otherwise be parsed as mathtext (and can fail).

    >>> safe_label("Cash $ Carry")
    'Cash \\\\$ Carry'
    """
    return clean_display_text(value, max_length=max_length).replace("$", r"\$")


def quarter_label(value: object) -> str:
    """Return a quarter as the report writes it ('2024Q4' -> 'Q4 2024'; ru: 'IV кв. 2024').

    >>> quarter_label("2024Q4"), quarter_label("not a quarter")
    ('Q4 2024', 'not a quarter')
    """
    try:
        return safe_label(fmt_quarter(str(value)))
    except ValueError:
        return safe_label(value)


def currency_sign(code: str) -> str:
    """Return how the report's language writes a currency on an axis: 'RUB' (ru: '₽').

    >>> currency_sign("RUB")
    'RUB'
    """
    if current_language() == "en":
        return safe_label(code, max_length=8)
    from babel.numbers import get_currency_symbol

    return safe_label(get_currency_symbol(str(code), locale=current_locale()), max_length=8)


def number_axis(axis, *, digits: int) -> None:
    """Label a plain-number axis with the language's decimal mark ('0.22'; ru: '0,22')."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda value, _pos: fmt_number(value, digits=digits)))


def new_axes(ax=None, *, figsize: tuple[float, float] = (8.0, 4.0)):
    """Return ``ax`` or a new Axes on a new figure of ``figsize``."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    apply_theme(once=True)
    _, ax = plt.subplots(figsize=figsize)
    return ax


def money_axis(axis) -> None:
    """Label a money axis compactly (12k, 3.4M, 1.2bn; ru: 12 тыс., 3,4 млн) instead of 1e7."""
    from matplotlib.ticker import FuncFormatter

    suffixes = (
        ((1e9, "bn"), (1e6, "M"), (1e3, "k"))
        if current_language() == "en"
        else ((1e9, " " + _("bn")), (1e6, " " + _("M")), (1e3, " " + _("k")))
    )

    def compact(value: float, _pos: int) -> str:
        size = abs(value)
        for limit, suffix in suffixes:
            if size >= limit:
                return _decimal(f"{value / limit:.3g}") + suffix
        return f"{value:.0f}"

    axis.set_major_formatter(FuncFormatter(compact))


def _decimal(text: str) -> str:
    return text if current_language() == "en" else text.replace(".", ",")


def share_axis(axis, *, digits: int = 0) -> None:
    """Label a 0..1 axis as percentages the way the report's language writes them."""
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    if current_language() == "en":
        axis.set_major_formatter(PercentFormatter(1.0, decimals=None if digits == 0 else digits))
        return
    axis.set_major_formatter(FuncFormatter(lambda value, _pos: fmt_share(value, digits=digits)))


def fmt_count(value: float) -> str:
    """Return a count for a chart annotation: '1,234' (ru: '1 234')."""
    return fmt_number(value, digits=0)


def colour_key(ax, image, *, label: str, share: bool = False):
    """Add a colour key (colorbar) beside a heatmap, labelled, percentages when ``share``."""
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    bar.set_label(label, fontsize=8)
    bar.ax.tick_params(labelsize=7)
    if share:
        share_axis(bar.ax.yaxis)
    return bar
