"""Executive sentences and tables for the key-customer section.

The sources' point is that the "main customer" is often not the biggest; these functions
say where the key-customer list differs from the revenue ranking and why, show the
profitable / image / other classification with its rule, list loss-makers and the
customers at risk. Inputs come from ``insights.key_customers`` and
``insights.reporting.account_lists``; names reach HTML only through ``labels`` and always escaped.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from insights.key_customers import KeyCustomers, KeyVsRevenue
from insights.reporting.core import (
    Html,
    fmt_int,
    fmt_money,
    fmt_share,
    html_table,
    note,
    paragraph,
    sentence,
)
from insights.reporting.dependency import join_items, label_of, long_text
from insights.wording import count_of

_COMPONENT_WORDS = {
    "revenue": "revenue",
    "margin": "margin contribution",
    "growth": "growth",
    "loyalty": "loyalty",
    "repeat": "repeat likelihood",
    "breadth": "product-line breadth",
    "reference": "reference/image flag",
}


def describe_weights(result: KeyCustomers) -> Html:
    """Describe the score's weights and the components the data could not give."""
    if result.status != "ok":
        return paragraph(sentence("{reason}", reason=long_text(result.reason)))
    weights = join_items(
        (f"{_COMPONENT_WORDS[c]} {fmt_share(w, digits=0)}" for c, w in result.weights.items()),
        sep=", ",
    )
    parts = [sentence("The key-customer score weighs {weights}.", weights=weights)]
    if result.missing_components:
        missing = join_items((_COMPONENT_WORDS[c] for c in result.missing_components), sep=", ")
        parts.append(sentence(
            "Not available in this data, so left out and the other weights scaled up to sum to "
            "100%: {missing}.", missing=missing))
    if result.repeat_source == "proxy":
        parts.append(
            sentence(
                "Repeat likelihood is a proxy from purchase frequency and recency, not a probability."
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
        return paragraph(sentence("No customer could be scored."))
    key_only = table[table["list"] == "key only"]
    revenue_only = table[table["list"] == "revenue only"]
    parts = [
        sentence(
            "{overlap} of the top {n} key customers are also among the top {n} by revenue.",
            overlap=fmt_int(comparison.overlap),
            n=fmt_int(comparison.top_n),
        )
    ]
    if len(key_only):
        parts.append(
            sentence(
                "Key but not among the biggest: {names}.",
                names=_names_with_why(key_only.head(3), labels),
            )
        )
    if len(revenue_only):
        parts.append(
            sentence(
                "Big but not key: {names}.",
                names=_names_with_why(revenue_only.head(3), labels),
            )
        )
    return paragraph(*parts)


def _names_with_why(rows: pd.DataFrame, labels) -> Html:
    return join_items(
        f"{label_of(c, labels)} ({why})"
        for c, why in zip(rows["customer_id"], rows["why"], strict=True)
    )


def comparison_table(comparison: KeyVsRevenue, *, labels: Mapping[str, str] | None = None) -> Html:
    """Return the key-vs-revenue comparison as an escaped table."""
    table = comparison.table
    shown = pd.DataFrame(
        {
            "customer": [label_of(c, labels) for c in table["customer_id"]],
            "key rank": table["key_rank"],
            "revenue rank": table["revenue_rank"],
            "list": table["list"],
            "why": table["why"],
        }
    )
    return html_table(
        shown,
        formats={"key rank": "int", "revenue rank": "int", "why": str},
        caption=f"Top {comparison.top_n} key customers vs top {comparison.top_n} by revenue",
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
            "rank": rows["key_rank"],
            "customer": [label_of(c, labels) for c in rows["customer_id"]],
            "score": rows["score"],
            "class": rows["category"] + rows["loss_maker"].map({True: ", loss-maker", False: ""}),
            "top reasons": rows["reasons"],
            "revenue (12 m)": rows["revenue_12m"],
            "margin (history)": rows["margin_rate"],
            "override": rows["override"],
        }
    )
    formats = {"rank": "int", "score": lambda v: f"{v:.2f}", "top reasons": str,
               "revenue (12 m)": "money", "margin (history)": "share"}  # fmt: skip
    caption = ("Key customers. Score: 0 to 1, the weighted components above; margin: "
               "contribution over revenue since the first purchase; override: set by hand in "
               "the unit's params")
    return html_table(shown, formats=formats, caption=caption, currency=currency)


def describe_classification(
    result: KeyCustomers, *, labels: Mapping[str, str] | None = None, currency: str = "RUB"
) -> Html:
    """Describe the profitable / image / other split, loss-makers and the overrides; show the rule."""
    if result.status != "ok":
        return paragraph(sentence("{reason}", reason=long_text(result.reason)))
    table = result.table
    counts = table["category"].value_counts()
    parts = [
        sentence(
            "Of {n} customers with revenue in the last 12 months, {p} are profitable, {i} image "
            "customers and {o} other.",
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
                "Set by hand in the params: {n}{unmatched}.",
                n=count_of(len(overrides), "customer"),
                unmatched=long_text(
                    f"; {count_of(len(result.unmatched_overrides), 'listed id')} without revenue in the last 12 months"
                    if result.unmatched_overrides
                    else ""
                ),
            )
        )
    return Html(paragraph(*parts) + note(f"Rule: {result.rule}"))


def _loss_sentence(result: KeyCustomers, labels, currency: str) -> Html:
    if result.table["contribution"].isna().all():
        return sentence(
            "The data has no cost or margin, so profitability and loss-makers cannot be judged."
        )
    losers = result.loss_makers
    if losers.empty:
        return sentence("No customer has a negative contribution after discounts and cost.")
    worst = losers.iloc[0]
    name = label_of(worst["customer_id"], labels)
    if len(losers) == 1:
        return sentence(
            "One customer costs more than it brings: {name}, with {worst} of contribution "
            "after discounts and cost.",
            name=name,
            worst=fmt_money(worst["contribution"], currency=currency),
        )
    return sentence(
        "{n} customers cost more than they bring: together {total} of contribution after "
        "discounts and cost; the worst is {name} ({worst}).",
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
    caption = "Customers who cost more than they bring"
    if len(rows) > limit:
        caption = (f"The {fmt_int(limit)} customers who cost the most, of {fmt_int(len(rows))} "
                   "who cost more than they bring")
        rows = rows.head(limit)
    shown = pd.DataFrame(
        {
            "customer": [label_of(c, labels) for c in rows["customer_id"]],
            "revenue (12 m)": rows["revenue_12m"],
            "contribution (history)": rows["contribution"],
            "discounts (history)": rows.get(
                "discount_total", pd.Series(float("nan"), index=rows.index)
            ),
            "margin (history)": rows["margin_rate"],
        }
    )
    formats = {"revenue (12 m)": "money", "contribution (history)": "money",
               "discounts (history)": "money", "margin (history)": "share"}  # fmt: skip
    return html_table(shown, formats=formats, caption=caption, currency=currency)


def describe_at_risk(
    at_risk: pd.DataFrame, *, labels: Mapping[str, str] | None = None, currency: str = "RUB"
) -> Html:
    """Describe the customers at risk: how many, the revenue at stake, the biggest one.

    ``at_risk`` is ``account_lists.customers_at_risk``.
    """
    if at_risk.empty:
        return paragraph(sentence("No active customer shows a warning sign this quarter."))
    top = at_risk.iloc[0]
    many = len(at_risk) > 1
    return paragraph(
        sentence(
            ("{n} customers show a warning sign, with {stake} of yearly revenue at stake; the "
             "largest is {name} ({signals}).") if many else
            ("One customer shows a warning sign, with {stake} of yearly revenue at stake: "
             "{name} ({signals})."),
            n=fmt_int(len(at_risk)),
            stake=fmt_money(at_risk["revenue_at_stake"].sum(), currency=currency),
            name=label_of(top["customer_id"], labels),
            signals=long_text(top["signals"]),
        ),
        sentence(
            "Revenue at stake is each customer's better year: the last 12 months or the 12 "
            "before; in the last 12 months {they} brought {now}.",
            they="they" if many else "it",
            now=fmt_money(at_risk["revenue_12m"].sum(), currency=currency),
        ),
    )
