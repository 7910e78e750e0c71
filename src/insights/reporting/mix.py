"""Executive sentences and tables of the revenue mix and of the group portfolio.

``describe_mix``/``mix_table`` take ``mix.MixResult`` (services, online, every dimension's
concentration against an even split over its own values); ``group_section`` takes
``mix.GroupPortfolio`` (unit mix, cross-selling, the group's largest customers) and shows
nothing in a single unit's report.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from insights.reporting.core import (
    Html,
    escape_text,
    fmt_int,
    fmt_number,
    fmt_share,
    html_table,
    paragraph,
    sentence,
)
from insights.reporting.dependency_words import fmt_hhi, label_of, long_text
from insights.reporting.i18n import N_, _
from insights.reporting.labels import band_label, label_code, label_dimension


def describe_mix(mix) -> Html:
    """Describe whether the mix moves toward services and online, and its most concentrated part.

    ``mix`` is ``mix.MixResult``.
    """
    if mix.status != "ok":
        return paragraph(sentence("{reason}", reason=long_text(_(mix.reason))))
    parts = [_direction_sentence(row) for row in mix.direction.to_dict("records")]
    top = mix.summary.sort_values("top_share", ascending=False, kind="mergesort").iloc[0]
    parts.append(
        sentence(
            _("By {dimension}, {value} brings {share} of revenue (HHI {hhi}, {band} against an "
            "even split over {n} values; {change} points against a year earlier)."),
            n=fmt_int(top["values"]),
            dimension=label_dimension(top["dimension"]),
            value=label_code(top["dimension"], top["top_value"]),
            share=fmt_share(top["top_share"]),
            hhi=fmt_hhi(top["hhi"]),
            band=band_label(top["hhi_band"]),
            change=fmt_number(top["hhi_change"], digits=0),
        )
    )
    return paragraph(*parts)


_TARGET_NOUNS = {"services": N_("Services"), "online": N_("Online sales")}
_TARGETS = {"services": N_("services"), "online": N_("online sales")}


def _direction_sentence(row: dict) -> Html:
    noun = _(_TARGET_NOUNS.get(row["target"], str(row["target"]).capitalize()))
    target = _(_TARGETS.get(row["target"], str(row["target"])))
    if row["direction"] == "not configured":
        return sentence(_("Which {target} values count is not set in the params, so the move "
                        "toward {target} is not measured."), target=target)  # fmt: skip
    if row["direction"] == "no history":
        return sentence(_("{Target} bring {share} of revenue; there is no year-earlier figure."),
                        Target=noun, share=fmt_share(row["share"]))  # fmt: skip
    verb = {"toward": _("up"), "away": _("down"), "flat": _("about level")}[row["direction"]]
    verdict = {"toward": _("the mix is moving toward"), "away": _("the mix is moving away from"),
               "flat": _("no movement toward")}[row["direction"]]  # fmt: skip
    return sentence(
        _("{Target} bring {share} of revenue, {verb} from {before} a year earlier: {verdict} "
        "{target}."),
        Target=noun,
        target=target,
        share=fmt_share(row["share"]),
        verb=verb,
        before=fmt_share(row["share_year_ago"]),
        verdict=verdict,
    )


def mix_table(mix) -> Html:
    """Return the per-dimension mix summary (top value, HHI now and a year earlier) as HTML."""
    if mix.status != "ok":
        return Html("")
    summary = mix.summary
    frame = pd.DataFrame({
        _("Dimension"): summary["dimension"].map(label_dimension),
        _("Values"): summary["values"],
        _("Largest"): [label_code(d, v) for d, v in zip(summary["dimension"], summary["top_value"], strict=True)],
        _("Its share"): summary["top_share"],
        _("HHI"): summary["hhi"],
        _("Concentration"): summary["hhi_band"].map(band_label),
        _("HHI a year ago"): summary["hhi_year_ago"],
        _("Change"): summary["hhi_change"],
    })  # fmt: skip
    formats = {_("Its share"): "share", _("HHI"): "int", _("HHI a year ago"): "int", _("Change"): "int",
               _("Values"): "int"}  # fmt: skip
    return html_table(frame, formats=formats, caption=_("Revenue mix by dimension"))


def describe_group(portfolio, *, labels: Mapping[str, str] | None = None) -> Html:
    """Describe the group: the unit mix, cross-selling between units, the top customer.

    ``portfolio`` is ``mix.GroupPortfolio``.
    """
    if portfolio.status != "ok":
        return paragraph(sentence("{reason}", reason=long_text(_(portfolio.reason))))
    parts = []
    unit_mix = portfolio.unit_mix
    if unit_mix.status == "ok":
        row = unit_mix.summary.iloc[0]
        parts.append(
            sentence(
                _("The {unit} unit brings {share} of the group's revenue; across {n} units the HHI is "
                "{hhi} ({band} against an even split over {n} units)."),
                unit=label_code("unit", row["top_value"]),
                share=fmt_share(row["top_share"]),
                n=fmt_int(row["values"]),
                hhi=fmt_hhi(row["hhi"]),
                band=band_label(row["hhi_band"]),
            )
        )
    parts.append(_cross_selling_sentence(portfolio.cross_selling))
    if not portfolio.top_customers.empty:
        top = portfolio.top_customers.iloc[0]
        parts.append(
            sentence(
                _("The group's largest customer, {name}, brings {share} of its revenue and buys from "
                "{units}."),
                name=label_of(top["customer_id"], labels),
                share=fmt_share(top["share"]),
                units=unit_list_words(top["unit_list"]),
            )
        )
    return paragraph(*parts)


def _cross_selling_sentence(cross) -> Html:
    if cross is None or cross.status != "ok":
        reason = getattr(cross, "reason", None) or _("No cross-selling data.")
        return sentence("{reason}", reason=long_text(reason))
    text = _("{multi} of customers buy from two or more units and bring {revenue} of revenue")
    values = {
        "multi": fmt_share(cross.multi_unit_share),
        "revenue": fmt_share(cross.multi_unit_revenue_share),
    }
    if not cross.pairs.empty:
        pair = cross.pairs.iloc[0]
        text += _("; the units sharing most customers are {a} and {b} ({n} customers)")
        values.update(a=label_code("unit", pair["unit_a"]), b=label_code("unit", pair["unit_b"]), n=fmt_int(pair["shared_customers"]))
    return sentence(text + ".", **values)


def unit_list_words(units: object) -> str:
    """Return a customer's units ("fleet, service", ``mix.group_portfolio``) as labels.

    >>> unit_list_words("fleet, small_shop")
    'Fleet, Small shop'
    """
    codes = [] if units is None or (not isinstance(units, str) and pd.isna(units)) else str(units).split(", ")
    return ", ".join(label_code("unit", code) for code in codes if code)


def group_top_table(
    portfolio, *, labels: Mapping[str, str] | None = None, currency: str = "RUB"
) -> Html:
    """Return the group's top customers (label, revenue, share, units) as escaped HTML."""
    frame = portfolio.top_customers
    if frame.empty:
        return Html("")
    shown = pd.DataFrame(
        {
            _("Rank"): frame["rank"],
            _("Customer"): [label_of(c, labels) for c in frame["customer_id"]],
            _("Revenue, 12 months"): frame["revenue"],
            _("Share of group"): frame["share"],
            _("Units"): frame["unit_list"].map(unit_list_words),
        }
    )
    return html_table(
        shown,
        formats={_("Rank"): "int", _("Revenue, 12 months"): "money", _("Share of group"): "share"},
        caption=_("The group's largest customers"),
        currency=currency,
    )


def group_section(
    portfolio, *, labels: Mapping[str, str] | None = None, currency: str = "RUB"
) -> Html:
    """Return the group-portfolio section (heading, sentences, top customers) for a report
    spanning several units, and nothing for a single unit's report.

    ``portfolio`` is ``mix.GroupPortfolio``.
    """
    unit_mix = getattr(portfolio, "unit_mix", None)
    if portfolio.status != "ok" or unit_mix is None or unit_mix.status != "ok":
        return Html("")
    intro = paragraph(
        sentence(
            _("This report spans several business units. How revenue splits across them, which "
            "customers matter most to the group, and who already buys from more than one unit "
            "(cross-selling, which the sources recommend).")
        )
    )
    title = _("Group portfolio")  # outside the f-string, where pybabel extract finds it
    heading = Html(f"<h2>{escape_text(title)}</h2>")
    return (heading + intro + describe_group(portfolio, labels=labels)
            + group_top_table(portfolio, labels=labels, currency=currency))
