"""Executive sentences and tables for the lifetime-value section.

Inputs come from ``insights.clv.build`` (``build_clv`` and its helpers). When the models do not
apply, the section says why in one sentence and still shows the historical lifetime revenue
against the first purchase, the sources' argument for repeat customers. Names reach HTML
only through ``labels`` (``reporting.dependency.customer_label_map``) and always escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from insights.reporting.core import (
    Html,
    fmt_date,
    fmt_int,
    fmt_money,
    fmt_number,
    fmt_share,
    html_table,
    note,
    paragraph,
    sentence,
)
from insights.reporting.dependency import label_of, long_text
from insights.reporting.i18n import _
from insights.reporting.labels import label_code, label_column
from insights.reporting.phrases import sentence_of

if TYPE_CHECKING:  # insights.clv (and scipy.optimize) is imported where a result is described,
    # so that processes that only publish (``insights report``'s own) never load it
    from insights.clv.build import ClvResult, HoldoutResult


def describe_clv(result: ClvResult, *, currency: str = "RUB") -> Html:
    """Say what the base is expected to bring over the horizon, and how concentrated it is.

    Not applicable: the plain reason, then that the historical figures still hold.
    """
    if not result.ok:
        return paragraph(
            sentence("{reason}", reason=long_text(sentence_of(result.reason))),
            sentence(_("The historical lifetime revenue below does not depend on the model.")),
        )
    from insights.clv.build import summarize_base_value

    figures = summarize_base_value(result.customers, result.lifetime)
    what = _("margin") if result.margin_share < 1.0 else _("revenue")
    model = {"mbgnbd": "MBG/NBD", "bgnbd": "BG/NBD"}.get(result.model, result.model)
    first = sentence(
        _("With the {model} purchase model and the Gamma-Gamma spend model, over the next {months} "
        "months the {n} customers are expected to make {purchases} purchases: {revenue} of "
        "expected revenue, worth {value} as lifetime value (discounted {what}, not revenue)."),
        model=model,
        months=fmt_int(result.horizon_months),
        n=fmt_int(figures["customers"]),
        purchases=fmt_int(figures["total_expected_purchases"]),
        value=fmt_money(figures["total_clv"], currency=currency),
        what=what,
        revenue=fmt_money(figures["total_expected_revenue"], currency=currency),
    )
    repeat = result.customers[result.customers["frequency"] > 0]
    second = sentence(
        _("The top fifth of customers hold {top} of that value; {lost} of the {n} repeat buyers "
        "have probably stopped buying (the model's probability that they are still active is "
        "below 50%). For the {once} customers who bought only once the model has no repeat "
        "purchase to judge by, so that probability is no evidence that they are still active."),
        top=fmt_share(figures["top20_clv_share"]),
        lost=fmt_share((repeat["p_alive"] < 0.5).mean() if len(repeat) else None),
        n=fmt_int(len(repeat)),
        once=fmt_int(len(result.customers) - len(repeat)),
    )
    return paragraph(first, second)


def describe_lifetime_revenue(result: ClvResult, *, currency: str = "RUB") -> Html:
    """Say how far repeat customers' lifetime revenue is above their first purchase."""
    from insights.clv.build import summarize_base_value

    figures = summarize_base_value(result.customers, result.lifetime)
    if not figures["customers"]:
        return paragraph(sentence(_("There are no customers up to this date.")))
    if pd.isna(figures["median_lifetime_to_first"]):
        return paragraph(
            sentence(
                _("No customer has bought on more than one day yet, so every customer's "
                "lifetime revenue equals the first purchase.")
            )
        )
    return paragraph(
        sentence(
            _("{repeat} of customers came back after the first purchase; over their lifetime "
            "so far they brought a median {ratio} times their first purchase, and purchases "
            "after the first are {share} of all revenue."),
            repeat=fmt_share(figures["repeat_buyer_share"]),
            ratio=fmt_number(figures["median_lifetime_to_first"]),
            share=fmt_share(figures["repeat_revenue_share"]),
        ),
        sentence(_("Keeping a customer buying is worth more than the first sale suggests.")),
    )


def describe_model(result: ClvResult) -> Html:
    """Name the models, the fitted dropout picture and the spend-assumption check."""
    if not result.ok or result.fit is None:
        return Html("")
    parts = [sentence("{text}", text=long_text(sentence_of(text))) for text in result.notes]
    if result.spend_fit is not None:  # no spend model when too few repeat buyers
        parts.append(
            sentence(
                _("Spend per purchase is modelled with Gamma-Gamma, fitted on {repeat} repeat buyers."),
                repeat=fmt_int(result.spend_fit.n_customers),
            )
        )
    if result.independence is not None:
        parts.append(sentence("{text}", text=long_text(sentence_of(result.independence.verdict))))
    body = paragraph(*parts, css_class="small")
    if result.independence is not None and result.independence.independent is False:
        return body + note(sentence_of(result.independence.verdict), tone="warn")
    return body


def describe_holdout(holdout: HoldoutResult | None) -> Html:
    """Give the holdout check in one line: predicted vs actual purchases and the error."""
    if holdout is None:
        return Html("")
    if holdout.status != "ok":
        return paragraph(
            sentence(
                _("The model could not be checked on a holdout period: {reason}"),
                reason=long_text(_(holdout.reason)),
            )
        )
    unit = _("weeks") if holdout.time_unit == "week" else _("days")
    return paragraph(
        sentence(
            _("Check: fitted on data up to {end}, the model predicted {predicted} repeat "
            "purchases in the following {duration} {unit}; {actual} happened ({error}). Per "
            "customer it is off by {mae} purchases on average."),
            end=fmt_date(holdout.calibration_end),
            predicted=fmt_int(holdout.total_predicted),
            duration=fmt_number(holdout.duration, digits=0),
            unit=unit,
            actual=fmt_int(holdout.total_actual),
            error=_signed_share(holdout.total_error_share),
            mae=fmt_number(holdout.mean_absolute_error, digits=2),
        )
    )


def _signed_share(value: float) -> str:
    if pd.isna(value):
        return _("no purchases to compare")
    if value > 0:
        return _("{share} over the actual").format(share=fmt_share(abs(value)))
    return _("{share} under the actual").format(share=fmt_share(abs(value)))


def clv_by_group_table(table: pd.DataFrame, *, column: str, currency: str = "RUB") -> Html:
    """Render ``clv.summarize_clv_by`` as an escaped table."""
    headers = {
        column: label_column(column) if column != "cluster_name" else _("Cluster"),
        "customers": _("Customers"),
        "mean_p_alive": _("Mean probability still active, repeat buyers"),
        "expected_purchases": _("Expected purchases"),
        "expected_revenue": _("Expected revenue"),
        "clv": _("Lifetime value (discounted)"),
        "clv_share": _("Share of value"),
    }
    from insights.reporting.clusters import cluster_label

    name = cluster_label if column == "cluster_name" else (lambda c: label_code(column, c))
    shown = table.assign(**{column: table[column].map(name)}).rename(columns=headers)
    kinds = {"customers": "int", "mean_p_alive": "share", "expected_purchases": "int",
             "expected_revenue": "money", "clv": "money", "clv_share": "share"}  # fmt: skip
    return html_table(shown, formats={headers[c]: k for c, k in kinds.items()}, currency=currency)


def at_risk_table(
    frame: pd.DataFrame, *, labels: Mapping[str, str] | None = None, currency: str = "RUB"
) -> Html:
    """Render ``clv.list_valuable_at_risk`` with display labels instead of ids."""
    if frame.empty:
        return Html("")
    shown = pd.DataFrame(
        {
            _("Customer"): [label_of(c, labels) for c in frame["customer_id"]],
            _("Revenue so far"): frame["lifetime_revenue"],
            _("Probability still active"): frame["p_alive"],
            _("Days since last purchase"): frame["days_since_last_purchase"],
            _("Expected value"): frame["clv"],
        }
    )
    return html_table(
        shown,
        formats={  # labels come shortened to params.report.max_name_length
            _("Revenue so far"): "money",
            _("Probability still active"): "share",
            _("Days since last purchase"): "int",
            _("Expected value"): "money",
        },
        caption=_("Valuable customers (top fifth by revenue so far) most likely to be lost"),
        currency=currency,
    )


def describe_at_risk(frame: pd.DataFrame, *, currency: str = "RUB") -> Html:
    """Say how much past revenue sits with the valuable customers most likely lost."""
    if frame.empty:
        return Html("")
    lost = frame.loc[frame["p_alive"] < 0.5]
    if lost.empty:
        return paragraph(
            sentence(_("Every one of the most valuable customers is more likely active than not."))
        )
    return paragraph(
        sentence(
            _("{n} of the most valuable customers listed have probably stopped buying "
            "(probability still active below 50%); they brought {revenue} so far. Contact them first."),
            n=fmt_int(len(lost)),
            revenue=fmt_money(lost["lifetime_revenue"].sum(), currency=currency),
        )
    )
