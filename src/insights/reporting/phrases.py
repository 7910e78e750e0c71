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
