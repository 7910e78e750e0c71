"""The report's section headings and their one-paragraph introductions, in the report's language.

The notebook shows each section -- heading, intro, text, tables and charts -- with one call
per cell, ``show("lifecycle", <texts, tables and Axes>)``, instead of a static markdown cell
and a cell per output, so that headings follow ``report.language`` like every other text and
the kernel runs a few dozen cells rather than ninety. Level 2 sections are ``<h2>``, level 3
``<h3>``: the publisher numbers them into the table of contents
(``publish.html._number_headings``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from insights.reporting.core import Html, escape_text
from insights.reporting.i18n import N_, _

#: key -> (heading level, heading, intro paragraphs); the texts are translated when shown.
SECTIONS: dict[str, tuple[int, str, tuple[str, ...]]] = {
    "headline": (2, N_("Headline"), (N_(
        "Five figures for the quarter, each with what it means and how it moved since the "
        "previous quarter and the same quarter a year ago. Revenue is net of returns; \"12 "
        "months\" means the twelve months up to the end of the quarter."),)),
    "attention": (2, N_("Needs attention"), (N_(
        "One list, one row per customer: its account manager, every reason that fired, the money "
        "involved and a suggested action. The same list is published per account manager next to "
        "this report."),)),
    "changes": (2, N_("What changed"), (N_(
        "The biggest movements: customers and account managers against the previous quarter, "
        "lifecycle segments against the previous quarter's end, and the revenue mix against a year "
        "earlier."),)),
    "express": (2, N_("Express test: the whole customer base"), (N_(
        "A healthy customer base keeps one-time buyers near natural churn among active customers "
        "and a solid core of regulars, and does not lose most of last year's customers. The rule, "
        "with this unit's thresholds, is shown under the verdict."),)),
    "dependency": (2, N_("Dependency on a few customers"), (N_(
        "How much of the last 12 months' revenue comes from the largest customers, and what would "
        "be left if they left. Concentration is measured with the Herfindahl-Hirschman Index "
        "(HHI): the sum of the squared revenue shares of all customers, from close to 0 (revenue "
        "spread evenly) to 10,000 (one customer brings everything). The bands follow the 2023 US "
        "Merger Guidelines: below 1,000 unconcentrated, 1,000 to 1,800 moderately concentrated, "
        "above 1,800 highly concentrated."),)),
    "stress": (3, N_("Stress test: revenue left if the largest customers leave"), ()),
    "trend": (3, N_("Is dependency growing?"), ()),
    "managers": (2, N_("Key-person risk: account managers"), (N_(
        "Revenue each account manager handles, and what is at risk if one leaves and takes the "
        "customers whose revenue they handle."),)),
    "mix": (2, N_("Mix: products, channels, regions, customer types"), (N_(
        "Diversification into services, online and new segments spreads the risk. Shares of the "
        "last 12 months' revenue, against the same 12 months a year earlier."),)),
    "key_customers": (2, N_("Key customers: more than the biggest buyers"), (N_(
        "The main customer is often not the biggest one. The key-customer score weighs revenue, "
        "margin contribution after discounts and cost, growth, loyalty, the likelihood of buying "
        "again, the breadth of what they buy, and whether they are a reference that brings "
        "others. The weights are this unit's params."),)),
    "key_vs_revenue": (3, N_("Key customers against the revenue ranking"), ()),
    "classification": (3, N_("Profitable, image and other customers; loss-makers"), (N_(
        "Profitable customers, image customers (well known, they bring others), and the rest. "
        "Loss-makers cost more than they bring after discounts and cost: it may be cheaper to let "
        "them go. They are on the \"Needs attention\" list with that reason."),)),
    "lifecycle": (2, N_("Lifecycle segments"), (N_(
        "Every customer falls in exactly one segment (the first rule that matches): lost (no "
        "purchase within the lost window), new (first purchase recently), regular (several "
        "purchases in the recent window), one-time (one purchase ever) and occasional (the rest). "
        "The windows are this unit's params, shown in the rule table below."),)),
    "movement": (3, N_("Movement since last quarter"), (N_(
        "Where last quarter's customers are now. Revenue shares refer to the previous 12 months' "
        "revenue of the customers who moved."),)),
    "rfm": (3, N_("RFM segments"), (N_(
        "Recency (how recently), frequency (how often) and monetary value (how much) are each "
        "scored 1 to 5 against the other customers of the unit, and the scores are named with the "
        "segment map analysts know from common RFM tools."),)),
    "clusters": (2, N_("Behavioural clusters"), (N_(
        "Groups of customers who buy alike, found by the computer from their behaviour: recency, "
        "frequency, spend, tenure, gaps between purchases, breadth, services and online shares "
        "and trend. The number of groups is the one that separates them most clearly, and the "
        "grouping is checked by repeating it with other random starts."),)),
    "clv": (2, N_("Lifetime value: who will buy again, and what the base is worth"), (N_(
        "Customers are judged by their chance of buying again and by what they bring over the "
        "whole relationship, not by the first sale. A statistical purchase model (BG/NBD, Fader, "
        "Hardie & Lee 2005) estimates for each customer the probability of still being active and "
        "the expected number of purchases; a second model (Gamma-Gamma) estimates the spend per "
        "purchase. Lifetime value is that expected spend discounted with this unit's margin and "
        "rate: it is smaller than the expected revenue beside it."),)),
    "lifetime": (3, N_("A customer's lifetime is worth far more than the first purchase"), ()),
    "clv_groups": (3, N_("Expected value over the horizon by segment and by cluster"), ()),
    "holdout": (3, N_("Does the model predict well? Calibration and holdout"), (N_(
        "The model is fitted on an earlier window and its predictions are compared with what "
        "customers actually bought in the following quarters."),)),
    "cohorts": (2, N_("Cohorts: do new customers stay?"), (N_(
        "Customers grouped by the quarter of their first purchase; each cell is the share of the "
        "cohort still buying in a later quarter. Blank cells cannot be observed yet."),)),
    "acquisition": (2, N_("Where new customers come from"), (N_(
        "New customers per quarter by acquisition source. Referrals say much about how customers "
        "judge us: a rising referral share is a good sign."),)),
    "experiment": (2, N_("A win-back experiment, ready to run"), (N_(
        "Try a strategy on an experimental group first. Lost customers are split at random into a "
        "test group (gets the win-back offer) and a control group, balanced by past revenue; the "
        "lists are published next to this report, and a later quarter's report reads out the "
        "difference."),)),
    "readout": (3, N_("Last quarter's split, read out this quarter"), (N_(
        "The split is reproducible: the same seed on last quarter's lost customers gives last "
        "quarter's groups. If the win-back offer went to that test group, this is what each group "
        "bought this quarter. Until a campaign runs, the two groups should differ only by "
        "chance."),)),
    "quality": (2, N_("Appendix: data quality"), (N_(
        "Every row of the export is accounted for: rows read = rows kept + rows rejected. "
        "Rejected rows are listed with their reason in the quarantine file published next to "
        "this report."),)),
    "metadata": (2, N_("Appendix: run metadata"), (N_(
        "What this report was computed from, so that it can be reproduced exactly."),)),
}


def section(key: str) -> Html:
    """Return a section's heading (``<h2>``/``<h3>``) and intro in the report's language.

    >>> section("trend")
    '<h3>Is dependency growing?</h3>'
    """
    level, title, intro = SECTIONS[key]
    paragraphs = "".join(f'<p class="intro">{escape_text(_(text), max_length=2000)}</p>' for text in intro)
    return Html(f"<h{level}>{escape_text(_(title))}</h{level}>{paragraphs}")


@dataclass(frozen=True)
class Section:
    """A report section as a notebook shows it: its heading and intro, then each part in order.

    Built by ``show``; displaying it (the last expression of a cell) emits one output per
    part, in order, so one notebook cell holds a whole section. ``Html`` parts are shown as
    HTML, an Axes from ``insights.plots`` as its figure (then closed, so the inline backend
    does not draw it a second time at the end of the cell), anything else as IPython shows it.
    """

    heading: Html | None
    parts: tuple[Any, ...]

    def _ipython_display_(self) -> None:
        from IPython.display import display

        for part in self.outputs():
            display(part)
            if _is_figure(part):
                import matplotlib.pyplot as plt

                plt.close(part)

    def outputs(self) -> list[Any]:
        """Return what displaying the section shows, in order (an Axes becomes its figure)."""
        shown: list[Any] = [] if self.heading is None else [self.heading]
        for part in self.parts:
            if part is None:
                continue
            figure = getattr(part, "figure", None)
            shown.append(figure if _is_figure(figure) else part)
        return shown


def show(key: str | None, *parts: Any) -> Section:
    """Return a section to display: the heading and intro of ``key`` (``section``), then ``parts``.

    ``key`` None shows the parts without a heading (the title block). Each part is what a
    ``reporting`` function returns (``Html``) or a ``plots`` function returns (an Axes);
    ``None`` parts are skipped.

    >>> [str(p) for p in show("trend", Html("<p>Up.</p>")).outputs()]
    ['<h3>Is dependency growing?</h3>', '<p>Up.</p>']
    """
    return Section(None if key is None else section(key), tuple(parts))


def _is_figure(value: object) -> bool:
    """Return True for a matplotlib Figure (checked without importing matplotlib)."""
    return hasattr(value, "savefig") and hasattr(value, "axes")
