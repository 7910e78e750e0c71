"""Executive sentences and tables for the key-customer section.

The sources' point is that the "main customer" is often not the biggest; these functions
say where the key-customer list differs from the revenue ranking and why, show the
profitable / image / other classification with its rule, list loss-makers and the
customers at risk. Inputs come from ``insights.key_customers`` and
``insights.reporting.account_lists``; names reach HTML only through ``labels`` and always escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from insights.key_customers import OVERRIDE_EXCLUDED, OVERRIDE_IMAGE, KeyCustomers, KeyVsRevenue
from insights.reporting.core import (
    Html,
    fmt_customers,
    fmt_int,
    fmt_money,
    fmt_number,
    fmt_share,
    html_table,
    note,
    paragraph,
    sentence,
)
from insights.reporting.dependency import join_items, label_of, long_text
from insights.reporting.i18n import N_, _, ngettext
from insights.reporting.phrases import key_reasons

_COMPONENT_WORDS = {
    "revenue": N_("revenue"),
    "margin": N_("margin contribution"),
    "growth": N_("growth"),
    "loyalty": N_("loyalty"),
    "repeat": N_("repeat likelihood"),
    "breadth": N_("product-line breadth"),
    "reference": N_("reference/image flag"),
}


_LISTS = {"both": N_("both"), "key only": N_("key only"), "revenue only": N_("revenue only")}
CLASS_WORDS = {"profitable": N_("profitable"), "image": N_("image"), "other": N_("other")}
OVERRIDE_WORDS = {OVERRIDE_IMAGE: N_("image (params)"), OVERRIDE_EXCLUDED: N_("excluded (params)")}


def _rule_text(threshold: float | None, english: str) -> str:
    """Return the classification rule in the report's language (``key_customers.CLASSIFICATION_RULE``)."""
    if threshold is None:
        return english
    return _("Image: marked as a reference customer in the data or listed as an image customer in "
             "the unit's params. Profitable: contribution (revenue after discounts minus cost) above "
             "{threshold} of revenue. Other: the rest. Loss-maker (any class): contribution below "
             "zero.").format(threshold=fmt_share(threshold, digits=0))


def describe_weights(result: KeyCustomers) -> Html:
    """Describe the score's weights and the components the data could not give."""
    if result.status != "ok":
        return paragraph(sentence("{reason}", reason=long_text(_(result.reason))))
    weights = join_items(
        (f"{_(_COMPONENT_WORDS[c])} {fmt_share(w, digits=0)}" for c, w in result.weights.items()),
        sep=", ",
    )
    parts = [sentence(_("The key-customer score weighs {weights}."), weights=weights)]
    if result.missing_components:
        missing = join_items((_(_COMPONENT_WORDS[c]) for c in result.missing_components), sep=", ")
        parts.append(sentence(
            _("Not available in this data, so left out and the other weights scaled up to sum to "
            "100%: {missing}."), missing=missing))
    if result.repeat_source == "proxy":
        parts.append(
            sentence(
                _("Repeat likelihood is a proxy from purchase frequency and recency, not a probability.")
            )
        )
    return paragraph(*parts)


def describe_key_vs_revenue(
    comparison: KeyVsRevenue, *, labels: Mapping[str, str] | None = None
) -> Html:
    """Say how the top key customers differ from the top customers by revenue, by name.

    ``comparison`` is ``key_customers.compare_key_vs_revenue``.
    """
    table = comparison.table
    if table.empty:
        return paragraph(sentence(_("No customer could be scored.")))
    key_only = table[table["list"] == "key only"]
    revenue_only = table[table["list"] == "revenue only"]
    parts = [
        sentence(
            _("{overlap} of the top {n} key customers are also among the top {n} by revenue."),
            overlap=fmt_int(comparison.overlap),
            n=fmt_int(comparison.top_n),
        )
    ]
    if len(key_only):
        parts.append(
            sentence(
                _("Key but not among the biggest: {names}."),
                names=_names_with_why(key_only.head(3), labels),
            )
        )
    if len(revenue_only):
        parts.append(
            sentence(
                _("Big but not key: {names}."),
                names=_names_with_why(revenue_only.head(3), labels),
            )
        )
    return paragraph(*parts)


def _names_with_why(rows: pd.DataFrame, labels) -> Html:
    return join_items(
        f"{label_of(c, labels)} ({key_reasons(why)})"
        for c, why in zip(rows["customer_id"], rows["why"], strict=True)
    )


def comparison_table(comparison: KeyVsRevenue, *, labels: Mapping[str, str] | None = None) -> Html:
    """Return the key-vs-revenue comparison as an escaped table."""
    table = comparison.table
    shown = pd.DataFrame(
        {
            _("Customer"): [label_of(c, labels) for c in table["customer_id"]],
            _("Key rank"): table["key_rank"],
            _("Revenue rank"): table["revenue_rank"],
            _("List"): table["list"].map(lambda v: _(_LISTS.get(str(v), str(v)))),
            _("Why"): table["why"].map(key_reasons),
        }
    )
    return html_table(
        shown,
        formats={_("Key rank"): "int", _("Revenue rank"): "int", _("Why"): str},
        caption=_("Top {n} key customers vs top {n} by revenue").format(n=fmt_int(comparison.top_n)),
    )


def key_customer_table(
    result: KeyCustomers, *, labels: Mapping[str, str] | None = None, currency: str = "RUB"
) -> Html:
    """Return the top key customers with class, reasons, revenue, margin and override."""
    rows = result.key if result.status == "ok" else pd.DataFrame()
    if rows.empty:
        return Html("")
    shown = pd.DataFrame(
        {
            _("Rank"): rows["key_rank"],
            _("Customer"): [label_of(c, labels) for c in rows["customer_id"]],
            _("Score"): rows["score"],
            _("Class"): rows["category"].map(lambda v: _(CLASS_WORDS.get(str(v), str(v))))
            + rows["loss_maker"].map({True: ", " + _("loss-maker"), False: ""}),
            _("Top reasons"): rows["reasons"].map(key_reasons),
            _("Revenue, 12 months"): rows["revenue_12m"],
            _("Margin, all time"): rows["margin_rate"],
            _("Set by hand"): rows["override"].map(lambda v: _(OVERRIDE_WORDS.get(str(v), str(v))) if v else ""),
        }
    )
    formats: dict[str, Any] = {_("Rank"): "int", _("Score"): lambda v: fmt_number(v, digits=2), _("Top reasons"): str,
               _("Revenue, 12 months"): "money", _("Margin, all time"): "share"}  # fmt: skip
    caption = _("Key customers. Score: 0 to 1, the weighted components above; margin: "
                "contribution over revenue since the first purchase; set by hand: in the "
                "unit's params")
    return html_table(shown, formats=formats, caption=caption, currency=currency)


def describe_classification(
    result: KeyCustomers, *, labels: Mapping[str, str] | None = None, currency: str = "RUB",
    min_margin_share: float | None = None,
) -> Html:
    """Describe the profitable / image / other split, loss-makers and the overrides; show the rule.

    ``min_margin_share`` (params ``key_customers.profitable_min_margin_share``) puts the rule in
    the report's language; without it the analysis's English rule is shown.
    """
    if result.status != "ok":
        return paragraph(sentence("{reason}", reason=long_text(_(result.reason))))
    table = result.table
    counts = table["category"].value_counts()
    parts = [
        sentence(
            _("Of {n} customers with revenue in the last 12 months, {p} are profitable, {i} image "
            "customers and {o} other."),
            n=fmt_int(len(table)),
            p=fmt_int(counts.get("profitable", 0)),
            i=fmt_int(counts.get("image", 0)),
            o=fmt_int(counts.get("other", 0)),
        )
    ]
    parts.append(_loss_sentence(result, labels, currency))
    overrides = table[table["override"] != ""]
    if len(overrides) or result.unmatched_overrides:
        parts.append(
            sentence(
                _("Set by hand in the params: {n}{unmatched}."),
                n=fmt_customers(len(overrides)),
                unmatched=long_text(
                    ngettext("; {n} listed id without revenue in the last 12 months",
                             "; {n} listed ids without revenue in the last 12 months",
                             len(result.unmatched_overrides)).format(n=fmt_int(len(result.unmatched_overrides)))
                    if result.unmatched_overrides
                    else ""
                ),
            )
        )
    return Html(paragraph(*parts) + note(_("Rule: {rule}").format(rule=_rule_text(min_margin_share, result.rule))))


def _loss_sentence(result: KeyCustomers, labels, currency: str) -> Html:
    if result.table["contribution"].isna().all():
        return sentence(
            _("The data has no cost or margin, so profitability and loss-makers cannot be judged.")
        )
    losers = result.loss_makers
    if losers.empty:
        return sentence(_("No customer has a negative contribution after discounts and cost."))
    worst = losers.iloc[0]
    name = label_of(worst["customer_id"], labels)
    if len(losers) == 1:
        return sentence(
            _("One customer costs more than it brings: {name}, with {worst} of contribution "
            "after discounts and cost."),
            name=name,
            worst=fmt_money(worst["contribution"], currency=currency),
        )
    return sentence(
        _("{n} customers cost more than they bring: together {total} of contribution after "
        "discounts and cost; the worst is {name} ({worst})."),
        n=fmt_int(len(losers)),
        total=fmt_money(losers["contribution"].sum(), currency=currency),
        name=name,
        worst=fmt_money(worst["contribution"], currency=currency),
    )


def loss_maker_table(
    result: KeyCustomers,
    *,
    labels: Mapping[str, str] | None = None,
    limit: int | None = None,
    currency: str = "RUB",
) -> Html:
    """Return the worst ``limit`` loss-makers (default: the key-customer ``top_n``).

    Each row gives revenue, contribution and discounts; when there are more loss-makers
    than ``limit``, the caption says how many there are in all.
    """
    rows = result.loss_makers if result.status == "ok" else pd.DataFrame()
    if rows.empty:
        return Html("")
    limit = result.top_n if limit is None else limit
    caption = _("Customers who cost more than they bring")
    if len(rows) > limit:
        caption = _("The {n} customers who cost the most, of {total} who cost more than they bring").format(
            n=fmt_int(limit), total=fmt_int(len(rows)))
        rows = rows.head(limit)
    shown = pd.DataFrame(
        {
            _("Customer"): [label_of(c, labels) for c in rows["customer_id"]],
            _("Revenue, 12 months"): rows["revenue_12m"],
            _("Contribution, all time"): rows["contribution"],
            _("Discounts, all time"): rows.get(
                "discount_total", pd.Series(float("nan"), index=rows.index)
            ),
            _("Margin, all time"): rows["margin_rate"],
        }
    )
    formats = {_("Revenue, 12 months"): "money", _("Contribution, all time"): "money",
               _("Discounts, all time"): "money", _("Margin, all time"): "share"}  # fmt: skip
    return html_table(shown, formats=formats, caption=caption, currency=currency)


def describe_at_risk(
    at_risk: pd.DataFrame, *, labels: Mapping[str, str] | None = None, currency: str = "RUB"
) -> Html:
    """Describe the customers at risk: how many, the revenue at stake, the biggest one.

    ``at_risk`` is ``account_lists.customers_at_risk``.
    """
    if at_risk.empty:
        return paragraph(sentence(_("No active customer shows a warning sign this quarter.")))
    top = at_risk.iloc[0]
    many = len(at_risk) > 1
    return paragraph(
        sentence(
            _("{n} customers show a warning sign, with {stake} of yearly revenue at stake; the "
              "largest is {name} ({signals}).") if many else
            _("One customer shows a warning sign, with {stake} of yearly revenue at stake: "
              "{name} ({signals})."),
            n=fmt_int(len(at_risk)),
            stake=fmt_money(at_risk["revenue_at_stake"].sum(), currency=currency),
            name=label_of(top["customer_id"], labels),
            signals=long_text(top["signals"]),
        ),
        sentence(
            ngettext("Revenue at stake is each customer's better year: the last 12 months or the 12 "
                     "before; in the last 12 months it brought {now}.",
                     "Revenue at stake is each customer's better year: the last 12 months or the 12 "
                     "before; in the last 12 months they brought {now}.", len(at_risk)),
            now=fmt_money(at_risk["revenue_12m"].sum(), currency=currency),
        ),
    )
