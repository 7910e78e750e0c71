"""Short English phrases the analyses write into their results, said in the report's language.

Analyses return data, and a few of them also return short English phrases built from fixed
templates: a key customer's reasons (``key_customers._reason``: "top-5% revenue; margin 12%"),
why a big customer is not key ("weaker on growth and breadth") and the clustering's method
notes. The analyses cannot import the catalogue (import-linter), so the report reads each
phrase back against its template here and writes it again through ``_()`` with the report's
number formats. A phrase that matches no template is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from insights.reporting.core import fmt_customers, fmt_int, fmt_number, fmt_share
from insights.reporting.i18n import N_, _, ngettext

#: Score components as named in "weaker on ..." (``key_customers.COMPONENTS``).
COMPONENTS = {
    "revenue": N_("revenue"), "margin": N_("margin contribution"), "growth": N_("growth"),
    "loyalty": N_("loyalty"), "repeat": N_("repeat likelihood"), "breadth": N_("product-line breadth"),
    "reference": N_("reference/image flag"),
}  # fmt: skip
#: Clustering features as a reader says them.
FEATURES = {
    "recency_days": N_("days since last purchase"), "frequency": N_("purchases"),
    "monetary_total": N_("total spend"), "monetary_mean": N_("spend per purchase"),
    "tenure_days": N_("days since first purchase"), "mean_gap_days": N_("days between purchases"),
    "product_line_count": N_("product lines"), "services_share": N_("services share (mean)"),
    "online_share": N_("online share (mean)"), "trend": N_("12-month trend"),
}  # fmt: skip


def _num(text: str) -> float:
    return float(text.replace(",", ""))


def _pct(text: str) -> str:
    return fmt_share(_num(text) / 100, digits=0)


def _feature(name: str) -> str:
    return _(FEATURES[name]) if name in FEATURES else name.replace("_", " ")


def _when(last: str) -> str:
    if last == "today":
        return _("today")
    if last == "yesterday":
        return _("yesterday")
    days = int(_num(last.split()[0]))
    return ngettext("{n} day ago", "{n} days ago", days).format(n=fmt_int(days))


def _weaker(match: re.Match) -> str:
    names = [_(COMPONENTS.get(name, name)) for name in match.group(1).split(" and ")]
    return _("weaker on {names}").format(names=_(" and ").join(names))


_REASONS: tuple[tuple[str, Callable[[re.Match], str]], ...] = (
    (r"top-(\d+)% revenue", lambda m: _("top {pct} by revenue").format(pct=_pct(m.group(1)))),
    (r"revenue in the last 12 months", lambda m: _("revenue in the last 12 months")),
    (r"margin (-?\d+)%", lambda m: _("margin {pct}").format(pct=_pct(m.group(1)))),
    (r"contribution (-?[\d,]+)", lambda m: _("contribution {value}").format(value=fmt_int(_num(m.group(1))))),
    (r"new revenue in the last 12 months", lambda m: _("new revenue in the last 12 months")),
    (r"revenue up (\d+)% on the 12 months before",
     lambda m: _("revenue up {pct} on the 12 months before").format(pct=_pct(m.group(1)))),
    (r"revenue down (\d+)% on the 12 months before",
     lambda m: _("revenue down {pct} on the 12 months before").format(pct=_pct(m.group(1)))),
    (r"customer for ([\d.]+) years, bought in (\d+) of the last (\d+) quarters",
     lambda m: _("customer for {years} years, bought in {n} of the last {m} quarters").format(
         years=fmt_number(_num(m.group(1))), n=fmt_int(_num(m.group(2))), m=fmt_int(_num(m.group(3))))),
    (r"customer for ([\d.]+) years",
     lambda m: _("customer for {years} years").format(years=fmt_number(_num(m.group(1))))),
    (r"P\(active\) (\d+)%", lambda m: _("probability still active {pct}").format(pct=_pct(m.group(1)))),
    (r"(\d+) purchases, the last (today|yesterday|[\d,]+ days ago)",
     lambda m: _("{purchases}, the last {when}").format(
         purchases=ngettext("{n} purchase", "{n} purchases", int(_num(m.group(1)))).format(n=fmt_int(_num(m.group(1)))),
         when=_when(m.group(2)))),
    (r"buys (\d+) product lines?",
     lambda m: ngettext("buys {n} product line", "buys {n} product lines", int(m.group(1))).format(n=fmt_int(_num(m.group(1))))),
    (r"buying far below its own run-rate: (\d+)% of it in the latest quarter",
     lambda m: _("buying far below its own run-rate: {pct} of it in the latest quarter").format(
         pct=_pct(m.group(1)))),
    (r"buying far below its own run-rate: (\d+)% of it in the latest (\d+) quarters",
     lambda m: ngettext("buying far below its own run-rate: {pct} of it in the latest {n} quarter",
                        "buying far below its own run-rate: {pct} of it in the latest {n} quarters",
                        int(m.group(2))).format(pct=_pct(m.group(1)), n=fmt_int(_num(m.group(2))))),
    (r"image customer \(params\)", lambda m: _("image customer (params)")),
    (r"reference customer", lambda m: _("reference customer")),
    (r"excluded in params", lambda m: _("excluded in params")),
    (r"loss-maker", lambda m: _("loss-maker")),
    (r"weaker on (.+)", _weaker),
)


def _translate(text: object, table, *, sep: str) -> str:
    if text is None or (not isinstance(text, str)):
        return "" if text is None else str(text)
    parts = []
    for part in text.split(sep) if sep else [text]:
        for pattern, say in table:
            match = re.fullmatch(pattern, part.strip())
            if match:
                parts.append(say(match))
                break
        else:
            parts.append(part)
    return sep.join(parts) if sep else parts[0]


def key_reasons(text: object) -> str:
    """Return a key customer's reasons ("top-5% revenue; margin 12%") in the report's language.

    >>> key_reasons("top-5% revenue; margin 12%; P(active) 100%")
    'top 5% by revenue; margin 12%; probability still active 100%'
    """
    return _translate(text, _REASONS, sep="; ")


def _cluster_name(name: str) -> str:
    from insights.reporting.clusters import cluster_label

    return cluster_label(name)


_NOTES: tuple[tuple[str, Callable[[re.Match], str]], ...] = (
    (r"k = (\d+) is fixed in the params\.",
     lambda m: _("The number of groups, {k}, is fixed in the params.").format(k=m.group(1))),
    (r"k = (\d+) has the highest silhouette \((-?[\d.]+)\) among k = (\d+)\.\.(\d+), on a sample of ([\d,]+) customers\.",
     lambda m: _("{k} groups separate the customers most clearly of the {lo} to {hi} groups tried (silhouette "
                 "score {score}; it runs from -1 to 1, and higher means more clearly separated groups), "
                 "on a sample of {n} customers.").format(
         k=m.group(1), score=fmt_number(_num(m.group(2)), digits=2), lo=m.group(3), hi=m.group(4),
         n=fmt_int(_num(m.group(5))))),
    (r"With ([\d,]+) customers the final fit used mini-batch k-means\.",
     lambda m: _("With {n} customers the final grouping was computed in batches (mini-batch k-means).").format(
         n=fmt_int(_num(m.group(1))))),
    (r"([\d,]+) extreme customers? formed a cluster of their own, left out of the fit and assigned to the nearest cluster\.",
     lambda m: _("Customers with extreme values ({n}) formed a group of their own; they were left out of the "
                 "fit and assigned to the nearest group.").format(n=fmt_int(_num(m.group(1))))),
    (r"Cluster (\d+) \((.+)\) holds only ([\d,]+) customers?: read it as individuals, not a segment\.",
     lambda m: _("Group {cluster} ({name}) holds only {n}: read it as individuals, not a segment.").format(
         cluster=m.group(1), name=_cluster_name(m.group(2)), n=fmt_customers(int(_num(m.group(3)))))),
    (r"The clusters are not stable: reseeded fits agree with an adjusted Rand index of (-?[\d.]+) on average, below (-?[\d.]+)\.",
     lambda m: _("The groups are not stable: refits with other random starts agree only {ari} on average "
                 "(adjusted Rand index, 1 = identical), below the {floor} required.").format(
         ari=fmt_number(_num(m.group(1)), digits=2), floor=fmt_number(_num(m.group(2)), digits=2))),
    (r"(\w+) is missing for every customer; left out of the clustering\.",
     lambda m: _("{feature}: missing for every customer, so left out of the grouping.").format(
         feature=_feature(m.group(1)))),
    (r"(\w+) is the same for every customer; left out of the clustering\.",
     lambda m: _("{feature}: the same for every customer, so left out of the grouping.").format(
         feature=_feature(m.group(1)))),
    (r"Every feature has the same value for every customer\.",
     lambda m: _("Every feature has the same value for every customer.")),
    (r"Missing values were set to the feature's median: (.+)\.",
     lambda m: _("Missing values were set to the feature's median: {features}.").format(
         features=", ".join(re.sub(r"^(\w+)", lambda f: _feature(f.group(1)), item)
                            for item in m.group(1).split(", ")))),
    (r"([\d,]+) customers? with extreme values capped at ([\d.]+) standard deviations so they cannot pull a cluster of their own\.",
     lambda m: _("Extreme values of {n} were capped at {sd} standard deviations so they cannot pull a group "
                 "of their own.").format(n=fmt_customers(int(_num(m.group(1)))), sd=m.group(2))),
    (r"([\d,]+) one-purchase customers have no gap between purchases; their gap was set to the days since their only purchase \((\w+)\), a lower bound\.",
     lambda m: _("{n} customers with a single purchase have no gap between purchases; their gap was set to "
                 "the days since that purchase, a lower bound.").format(n=fmt_int(_num(m.group(1))))),
)


def cluster_note(text: object) -> str:
    """Return one of the clustering's method notes in the report's language."""
    return _translate(text, _NOTES, sep="")


def _day(text: str) -> str:
    from insights.reporting.core import fmt_date

    return fmt_date(pd.Timestamp(text))


def _quarter(text: str) -> str:
    from insights.reporting.core import fmt_quarter

    return fmt_quarter(text)


_SPAN = r"the data runs from (\d{4}-\d\d-\d\d) to (\d{4}-\d\d-\d\d)"


def _span(first: str, last: str) -> str:
    return _("the data runs from {first} to {last}").format(first=_day(first), last=_day(last))


_OTHER: tuple[tuple[str, Callable[[re.Match], str]], ...] = (
    (rf"Quarter (\d{{4}}Q\d): the last complete quarter in the data \({_SPAN}\)\.",
     lambda m: _("{quarter}: the last complete quarter in the data ({span}).").format(
         quarter=_quarter(m.group(1)), span=_span(m.group(2), m.group(3)))),
    (rf"Quarter (\d{{4}}Q\d): the last complete quarter in the data \({_SPAN}; (\d{{4}}Q\d) is not complete yet and is left for a later report\)\.",
     lambda m: _("{quarter}: the last complete quarter in the data ({span}; {later} is not complete yet and is "
                 "left for a later report).").format(
         quarter=_quarter(m.group(1)), span=_span(m.group(2), m.group(3)), later=_quarter(m.group(4)))),
    (rf"Quarter (\d{{4}}Q\d); {_SPAN}\.",
     lambda m: _("{quarter}; {span}.").format(quarter=_quarter(m.group(1)), span=_span(m.group(2), m.group(3)))),
    (rf"Quarter (\d{{4}}Q\d) is partial: {_SPAN}, so it ends before the quarter does \((\d{{4}}-\d\d-\d\d)\); its numbers cover only part of the quarter\.",
     lambda m: _("{quarter} is partial: {span}, so it ends before the quarter does ({end}); its numbers cover "
                 "only part of the quarter.").format(
         quarter=_quarter(m.group(1)), span=_span(m.group(2), m.group(3)), end=_day(m.group(4)))),
    (r"(MBG/NBD|BG/NBD) was chosen because it predicted the holdout quarters better \(mean absolute error per customer: (.+)\)\.",
     lambda m: _("{model} was chosen because it predicted the holdout quarters better (mean absolute error "
                 "per customer: {errors}).").format(
         model=m.group(1),
         errors="; ".join(re.sub(r"([\d.]+)$", lambda x: fmt_number(_num(x.group(1)), digits=2), e)
                          for e in m.group(2).split("; ")))),
    (r"(MBG/NBD|BG/NBD) was chosen: (MBG/NBD|BG/NBD) gave no finite prediction for the holdout quarters \(its fit degenerated\), so the models could not be compared \(mean absolute error per customer of (?:MBG/NBD|BG/NBD): ([\d.]+)\)\.",
     lambda m: _("{model} was chosen: {other} gave no finite prediction for the holdout quarters (its fit "
                 "degenerated), so the models could not be compared (mean absolute error per customer of "
                 "{model}: {error}).").format(
         model=m.group(1), other=m.group(2), error=fmt_number(_num(m.group(3)), digits=2))),
    (r"(MBG/NBD|BG/NBD) was chosen by the share of one-time buyers: no holdout window could compare the models\.",
     lambda m: _("{model} was chosen by the share of one-time buyers: no holdout window could compare the "
                 "models.").format(model=m.group(1))),
    (r"Purchases are modelled with (MBG/NBD|BG/NBD); (\d+)% of customers have bought only once\.( BG/NBD lets .*)?",
     lambda m: _("Purchases are modelled with {model}; {share} of customers have bought only once.").format(
         model=m.group(1), share=_pct(m.group(2)))
     + (" " + _("BG/NBD lets a customer stop buying only after a repeat purchase, so it counts every "
                "one-time buyer as still active and values them by their low purchase rate; the MBG/NBD "
                "variant (params clv.model: mbgnbd) lets them leave at once, and is used by default where "
                "one-time buyers are the majority.") if m.group(3) else "")),
    (r"Lifetime value is margin: revenue x (\d+)% \(params\)\.",
     lambda m: _("Lifetime value is margin: revenue × {share} (params).").format(share=_pct(m.group(1)))),
    (r"Lifetime value is margin: revenue x (\d+)%, from the data's cost column\.",
     lambda m: _("Lifetime value is margin: revenue × {share}, from the cost column of the data.").format(
         share=_pct(m.group(1)))),
    (r"Lifetime value is margin: revenue x (\d+)%, from (.+)\.",
     lambda m: _("Lifetime value is margin: revenue × {share}, from {source}.").format(
         share=_pct(m.group(1)), source=m.group(2))),
    (r"Lifetime value is in revenue, not margin: (.+)\.",
     lambda m: _("Lifetime value is in revenue, not margin: {source}.").format(source=m.group(1))),
    (r"Spend per purchase is nearly independent of how often customers buy \(r = (-?[\d.]+)\), as the spend model assumes\.",
     lambda m: _("Spend per purchase hardly depends on how often customers buy (correlation {r}), as the "
                 "spend model assumes.").format(r=fmt_number(_num(m.group(1)), digits=2))),
    (r"Spend per purchase is correlated with how often customers buy \(r = (-?[\d.]+)\); the spend model assumes it is not, so treat expected spend and lifetime value as rough\.",
     lambda m: _("Spend per purchase is linked to how often customers buy (correlation {r}); the spend model "
                 "assumes it is not, so treat expected spend and lifetime value as rough.").format(
         r=fmt_number(_num(m.group(1)), digits=2))),
    (r"Too few repeat buyers with varied purchases to check that spend per purchase does not depend on how often a customer buys\.",
     lambda m: _("Too few repeat buyers with varied purchases to check that spend per purchase does not "
                 "depend on how often a customer buys.")),
    (r"No difference is proven: every (\d+)% confidence interval includes zero, so the gap could be chance\.",
     lambda m: _("No difference is proven: every {level} confidence interval includes zero, so the gap could "
                 "be chance.").format(level=_pct(m.group(1)))),
    (r"The difference in (.+) is real: its (\d+)% confidence interval excludes zero\.",
     lambda m: _("The difference in {which} is real: its {level} confidence interval excludes zero.").format(
         which=_(" and ").join(_(w) for w in m.group(1).split(" and ")), level=_pct(m.group(2)))),
)
_OTHER += (
    (r"Too few customers to judge: ([\d,]+) in test and ([\d,]+) in control \(at least ([\d,]+) each are needed\)\.",
     lambda m: _("Too few customers to judge: {t} in the test group and {c} in the control group (at least {n} "
                 "each are needed).").format(t=fmt_int(_num(m.group(1))), c=fmt_int(_num(m.group(2))),
                                             n=fmt_int(_num(m.group(3))))),
    (r"(.+?)(?: \(spend per purchase varies too erratically\))?, so lifetime value is not estimated\.",
     lambda m: _("{reason}, so lifetime value is not estimated.").format(reason=_(m.group(1)))
     if "erratically" not in m.group(0) else _(
         "The spend model's fit did not converge to a usable result on this data (spend per purchase varies "
         "too erratically), so lifetime value is not estimated.")),
)
#: The fixed reasons the CLV models give before ", so lifetime value is not estimated."
CLV_REASONS = (N_("The purchase model's fit did not converge on this data"),
               N_("No repeat buyer has a positive spend after returns"))

#: Metric names of an experiment read-out ("repeat rate", "revenue per customer").
METRICS = (N_("repeat rate"), N_("revenue per customer"))


def sentence_of(text: object) -> str:
    """Return a sentence an analysis wrote (coverage, model notes, verdicts) in the report's language."""
    return _translate(text, _OTHER, sep="")
