"""Executive sentences for the dependency section: concentration, stress test, key people, mix.

Every function takes a result of ``insights.concentration``, ``insights.key_person`` or
``insights.mix`` and returns escaped ``Html`` computed from its numbers, e.g. "One customer
brings 57.0% of the unit's revenue; losing it would cut revenue by more than half."
Customer names reach the text only through ``labels`` (``customer_label_map``: names when
the unit's params allow them, otherwise stable pseudonyms), and always escaped.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from insights.concentration import ConcentrationSummary, top_fraction_count
from insights.key_person import UNASSIGNED
from insights.reporting.core import (
    NAME_LENGTH,
    Html,
    customer_labels,
    escape_text,
    fmt_int,
    fmt_money,
    fmt_number,
    fmt_quarter,
    fmt_share,
    html_table,
    note,
    paragraph,
    sentence,
)
from insights.reporting.i18n import N_, _, ngettext
from insights.reporting.labels import band_label, label_code, label_dimension

#: An HHI change of more than 100 points is "significant" in the 2023 Merger Guidelines.
HHI_SIGNIFICANT_CHANGE = 100.0
_VERDICT_WORDS = {
    "severe": N_("severe: less than half of revenue would be left"),
    "high": N_("high: less than three quarters would be left"),
    "moderate": N_("moderate: less than 90% would be left"),
    "low": N_("low"),
    "unknown": N_("unknown"),
}


def _verdict_words(verdict: str) -> str:
    return _(_VERDICT_WORDS.get(verdict, verdict))


def _scope(scope: str) -> str:
    return _("the group's") if scope == "group" else _("the unit's")


#: Customers up to which ``CustomerLabels`` labels everyone at the first lookup.
BATCH_LABELS = 50_000


class CustomerLabels(Mapping):
    """customer_id -> display label, computed when a label is asked for.

    A report names a few dozen customers out of up to millions, so labels are not built for
    every customer up front; each label is the one ``customer_labels`` gives its row. Up to
    ``BATCH_LABELS`` customers (and no ``unit_policy``), the first lookup labels them all in
    one vectorised pass (a lookup row by row costs a millisecond, a few hundred of them add
    up); every label is remembered once computed.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        *,
        show_names: bool,
        salt: str,
        max_length: int = NAME_LENGTH,
        unit_policy: Mapping[str, bool] | None = None,
    ) -> None:
        columns = [c for c in ("customer_id", "customer_name", "unit") if c in frame.columns]
        self._rows = frame[columns].set_index(frame["customer_id"].astype(str))
        self._show_names, self._salt, self._max_length = show_names, salt, max_length
        self._units = dict(unit_policy or {})
        self._known: dict[str, str] = {}

    def __getitem__(self, customer_id: str) -> str:
        if not self._known and not self._units and len(self._rows) <= BATCH_LABELS:
            labels = customer_labels(self._rows.drop_duplicates("customer_id"), show_names=self._show_names,
                                     salt=self._salt, max_length=self._max_length)  # fmt: skip
            self._known.update(zip(labels.index, labels.astype(str), strict=True))
        if customer_id in self._known:
            return self._known[customer_id]
        row = self._rows.loc[[customer_id]].iloc[:1]  # KeyError for an unknown id
        show, salt = self._show_names, self._salt
        unit = row["unit"].iloc[0] if "unit" in row.columns else None
        if unit is not None and not pd.isna(unit) and str(unit) in self._units:
            show, salt = self._units[str(unit)], str(unit)  # as that unit's own report labels it
        labels = customer_labels(row, show_names=show, salt=salt, max_length=self._max_length)
        self._known[customer_id] = label = str(labels.iloc[0])
        return label

    def __iter__(self):
        return iter(self._rows.index)

    def __len__(self) -> int:
        return len(self._rows)


def customer_label_map(
    frame: pd.DataFrame,
    *,
    show_names: bool,
    salt: str,
    max_length: int = NAME_LENGTH,
    unit_policy: Mapping[str, bool] | None = None,
) -> Mapping[str, str]:
    """Return customer_id -> display label (name if allowed, else pseudonym) for ``frame``.

    ``frame`` is the features frame (``customer_id``, optionally ``customer_name`` and
    ``unit``); ``show_names`` is params.report.show_customer_names; a name longer than
    ``max_length`` (params.report.max_name_length) is shortened with an ellipsis.
    ``unit_policy`` (params.report.unit_name_policy, for reports spanning several units)
    labels a customer whose main unit is listed as that unit's own report does: by name
    when its value is true, else by the pseudonym salted with that unit. Labels are
    computed on lookup.
    """
    return CustomerLabels(
        frame, show_names=show_names, salt=salt, max_length=max_length, unit_policy=unit_policy
    )


def fmt_hhi(value: float) -> str:
    """Format an HHI: whole points, one decimal below 10 (a base of thousands of customers).

    >>> fmt_hhi(3800.0), fmt_hhi(0.35)
    ('3,800', '0.3')
    """
    return fmt_number(value, digits=0 if pd.isna(value) or value >= 10 else 1)


def label_of(customer_id: object, labels: Mapping[str, str] | None) -> str:
    """Return the display label of one customer: from ``labels``, else its id."""
    return (labels or {}).get(str(customer_id), str(customer_id))


def long_text(value: object, *, max_length: int = 600) -> Html:
    """Escape a long computed value (a reason, a list), cut at ``max_length`` characters."""
    return escape_text(value, max_length=max_length)


def join_items(items, *, sep: str = "; ") -> Html:
    """Escape each item (cut at 200 characters, a label's longest) and join them into one Html.

    >>> join_items(["<b>", "A&B"])
    '&lt;b&gt;; A&amp;B'
    """
    return Html(sep.join(str(escape_text(item, max_length=200)) for item in items))


def _loss_phrase(share: float) -> str:
    if share > 0.5:
        return _("losing it would cut revenue by more than half")
    if share >= 0.25:
        return _("losing it would cut revenue by a quarter or more")
    if share >= 0.10:
        return _("losing it would cut revenue by a tenth or more")
    return _("no single customer is critical")


def describe_concentration(
    summary: ConcentrationSummary,
    *,
    labels: Mapping[str, str] | None = None,
    scope: str = "unit",
) -> Html:
    """Describe how much revenue depends on the largest customers, with the HHI band.

    Parameters
    ----------
    summary : ConcentrationSummary
        ``concentration.summarize_concentration`` over customers.
    labels : mapping, optional
        customer_id -> display label (``customer_label_map``).
    scope : str
        "unit" or "group", used in the sentences ("the unit's revenue").
    """
    if summary.status != "ok":
        return paragraph(sentence("{reason}", reason=long_text(_(summary.reason))))
    top = summary.ranking.iloc[0]
    first = sentence(
        _("One customer, {name}, brings {share} of {scope} trailing-12-month revenue; {loss}.")
        if top["share"] >= 0.5
        else _("The largest customer, {name}, brings {share} of {scope} trailing-12-month revenue; {loss}."),
        name=label_of(top["entity"], labels),
        share=fmt_share(top["share"]),
        scope=_scope(scope),
        loss=_loss_phrase(top["share"]),
    )
    spread = sentence(
        _("The top {n5} customers bring {s5}, and the top {frac} of customers ({k}) bring {s20}."),
        n5=fmt_int(min(5, summary.entities)),
        s5=fmt_share(summary.ranking["share"].head(5).sum()),
        frac=fmt_share(summary.top_fraction, digits=0),
        k=fmt_int(top_fraction_count(summary.entities, summary.top_fraction)),
        s20=fmt_share(summary.top_fraction_share),
    )
    band = sentence(
        _("The Herfindahl-Hirschman Index is {hhi} ({band}): revenue is spread as if over {eff} "
        "equally large customers (of {n}); the Gini coefficient is {gini}."),
        hhi=fmt_hhi(summary.hhi),
        band=band_label(summary.hhi_band),
        eff=fmt_number(summary.effective_number, digits=0 if summary.effective_number >= 100 else 1),
        n=fmt_int(summary.entities),
        gini=fmt_number(summary.gini, digits=2),
    )
    parts = [paragraph(first, spread, band, _disclosure_sentence(summary, labels))]
    parts.append(note(_(
        "The Gini coefficient runs from 0 (all customers bring the same) to 1 (one customer "
        "brings everything); the HHI and its bands are explained at the top of this section."
    ) + " " + _("HHI bands: the Merger Guidelines of the U.S. Department of Justice and Federal Trade "
                "Commission (18 December 2023).") + (" " + _("{n} without positive net revenue are left out.").format(n=fmt_int(summary.excluded))
         if getattr(summary, "excluded", 0) else "")))
    return Html("".join(parts))


def _disclosure_sentence(summary: ConcentrationSummary, labels) -> Html:
    rows = summary.disclosure
    if rows.empty:
        return sentence(_("No customer reaches 10% of revenue, the level at which listed "
                        "companies must disclose a customer."))  # fmt: skip
    names = join_items(
        f"{label_of(e, labels)} ({fmt_share(s)})" for e, s in zip(rows["entity"], rows["share"], strict=True)
    )  # fmt: skip
    return sentence(
        _("{n} at or above 10% of revenue (the level listed companies must disclose): {names}."),
        n=ngettext("{n} customer is", "{n} customers are", len(rows)).format(n=fmt_int(len(rows))),
        names=names,
    )


def describe_stress_test(
    stress: pd.DataFrame, *, scope: str = "unit", currency: str = "RUB"
) -> Html:
    """Describe what is left if the top 1, 3, 5 customers leave, with the worst verdict.

    ``stress`` is ``concentration.stress_test``.
    """
    if stress.empty or stress["share_left"].isna().all():
        return paragraph(
            sentence(_("No customer has positive revenue, so there is nothing to stress."))
        )
    first = stress.iloc[0]
    parts = [
        sentence(
            _("If {n} left, {left} of {scope} revenue would remain "
            "({lost} lost); verdict {verdict}."),
            n=_("the largest customer") if int(first["top_n"]) == 1 else ngettext(
                "the largest {n} customer", "the largest {n} customers", int(first["top_n"])
            ).format(n=fmt_int(first["top_n"])),
            left=fmt_share(first["share_left"]),
            scope=_scope(scope),
            lost=fmt_money(first["revenue_lost"], currency=currency),
            verdict=_verdict_words(first["verdict"]),
        )
    ]
    others = [
        _("{share} without the top {n}").format(share=fmt_share(r.share_left), n=fmt_int(r.top_n))
        for r in stress.iloc[1:].itertuples()
    ]
    if others:
        parts.append(sentence(_("Revenue left: {others}."), others="; ".join(others)))
    return paragraph(*parts)


def describe_concentration_trend(
    trend: pd.DataFrame,
    *,
    warning=None,
    latest=None,
    labels: Mapping[str, str] | None = None,
    dominant_share: float = 0.10,
    currency: str = "RUB",
) -> Html:
    """Describe whether dependency on the largest customers is growing over the quarters.

    ``trend`` is ``concentration.concentration_trend``; a change of more than 100 HHI points
    counts as significant (2023 Merger Guidelines). ``warning`` (``attention.RunRateWarning``)
    tells why dependency falls: when a customer with at least ``dominant_share`` of the
    unit's run-rate is declining, falling dependency is that client leaving, a loss, never
    "easing". ``latest`` (``ConcentrationSummary`` of the latest quarter's revenue) adds the
    dependency on that quarter alone.
    """
    rows = trend.dropna(subset=["hhi"])
    if len(rows) < 2:
        return paragraph(sentence(_("The data covers too few quarters to show a trend.")))
    start, end = rows.iloc[0], rows.iloc[-1]
    change = end["hhi"] - start["hhi"]
    leaving = _dominant_leaving(warning, dominant_share)
    direction = (
        _("dependency on the largest customers is growing")
        if change > HHI_SIGNIFICANT_CHANGE
        else _("dependency is falling because the dominant client is buying far less, not because the base is broadening: a loss, not diversification")
        if change < -HHI_SIGNIFICANT_CHANGE and leaving is not None
        else _("dependency on the largest customers is falling as the base broadens")
        if change < -HHI_SIGNIFICANT_CHANGE
        else _("concentration is stable")
    )
    parts = [
        sentence(
            _("From {q0} to {q1} the top customer's share of trailing 12-month revenue went from "
            "{s0} to {s1} and the HHI from {h0} to {h1}: {direction}."),
            q0=fmt_quarter(start["quarter"]), q1=fmt_quarter(end["quarter"]),
            s0=fmt_share(start.get("top_1_share")), s1=fmt_share(end.get("top_1_share")),
            h0=fmt_hhi(start["hhi"]), h1=fmt_hhi(end["hhi"]), direction=direction,
        )
    ]  # fmt: skip
    if latest is not None and latest.status == "ok":
        parts.append(
            sentence(
                _("In the latest quarter alone the top customer brought {share} of revenue (HHI "
                "{hhi})."),
                share=fmt_share(latest.top_shares.get(1)),
                hhi=fmt_hhi(latest.hhi),
            )
        )
    if leaving is not None:
        parts.append(
            sentence(
                _("{name} ({share} of the unit's run-rate) bought {latest} a quarter over the "
                "latest {n} against a run-rate of {rate} a quarter before."),
                name=label_of(leaving["customer_id"], labels),
                share=fmt_share(leaving["run_rate_share"]),
                n=_("quarter") if leaving["compared_quarters"] == 1 else _("two quarters"),
                latest=fmt_money(leaving["compared_revenue"], currency=currency),
                rate=fmt_money(leaving["compared_run_rate"], currency=currency),
            )
        )
    return paragraph(*parts)


def _dominant_leaving(warning, dominant_share: float):
    """Return the largest declining customer with at least ``dominant_share`` of the run-rate."""
    if warning is None or warning.status != "ok":
        return None
    rows = warning.declining
    rows = rows[rows["run_rate_share"] >= dominant_share]
    if rows.empty:
        return None
    return rows.sort_values("run_rate_share", ascending=False, kind="mergesort").iloc[0]


def describe_manager_risk(risk, *, scope: str = "unit") -> Html:
    """Describe key-person risk: the largest exposure by name, and single-manager customers.

    ``risk`` is ``key_person.ManagerRisk``. Manager names are escaped.
    """
    if risk.status != "ok" or not risk.largest:
        reason = _(risk.reason) if risk.reason else _("No manager is assigned.")
        return paragraph(sentence("{reason}", reason=long_text(reason)))
    top = risk.largest
    first = sentence(
        _("{manager} handles {share} of {scope} revenue; if they left taking the {n} "
        "customers they mainly serve, {risk} of revenue would be at risk ({verdict})."),
        manager=top["account_manager"],
        share=fmt_share(top["revenue_share"]),
        scope=_scope(scope),
        n=fmt_int(top["customers_at_risk"]),
        risk=fmt_share(top["at_risk_share"]),
        verdict=_verdict_words(top["verdict"]),
    )
    unassigned = risk.table[risk.table["account_manager"] == UNASSIGNED]
    second = sentence(
        _("{single} of {total} customers deal with a single manager; across {m} managers the HHI "
        "is {hhi} ({band} against an even split over {m} managers), as if revenue were spread over {eff} equally large managers."),
        single=fmt_int(risk.single_manager_customers),
        total=fmt_int(risk.customers),
        m=fmt_int(len(risk.table) - len(unassigned)),
        hhi=fmt_hhi(risk.concentration.hhi),
        band=band_label(risk.concentration.hhi_band),
        eff=fmt_number(risk.concentration.effective_number),
    )
    parts = [first, second]
    if len(unassigned):
        parts.append(
            sentence(
                _("{share} of revenue has no account manager in the data; it is listed as "
                "{label} and left out of the managers' concentration."),
                share=fmt_share(unassigned["revenue_share"].iloc[0]),
                label=label_code("account_manager", UNASSIGNED),
            )
        )
    return paragraph(*parts)


def manager_table(risk, *, currency: str = "RUB") -> Html:
    """Return the per-manager key-person table as escaped HTML (headers in the report's language)."""
    if risk.table.empty:
        return Html("")
    frame = risk.table[list(_MANAGER_COLUMNS)].assign(
        account_manager=risk.table["account_manager"].map(lambda m: label_code("account_manager", m)),
        verdict=risk.table["verdict"].map(_verdict_short),
    )
    kinds = {"revenue": "money", "revenue_share": "share", "customers": "int", "sole_customers": "int",
             "customers_at_risk": "int", "revenue_at_risk": "money", "at_risk_share": "share"}  # fmt: skip
    headers = {column: _(text) for column, text in _MANAGER_COLUMNS.items()}
    return html_table(
        frame.rename(columns=headers),
        formats={headers[c]: kind for c, kind in kinds.items()},
        currency=currency,
        caption=_(
            "Revenue at risk if a manager leaves. Revenue for 12 months is what the manager handles; "
            "revenue at risk is all the 12-month revenue of the customers they mainly serve, "
            "who would follow them, so it can exceed what the manager handles."
        ),
    )


_MANAGER_COLUMNS = {
    "account_manager": N_("Manager"),
    "revenue": N_("Revenue, 12 months"),
    "revenue_share": N_("Revenue share"),
    "customers": N_("Customers"),
    "sole_customers": N_("Single-manager customers"),
    "customers_at_risk": N_("Customers who would follow"),
    "revenue_at_risk": N_("Revenue at risk"),
    "at_risk_share": N_("Share at risk"),
    "verdict": N_("Risk"),
}
_VERDICT_SHORT = {"severe": N_("severe"), "high": N_("high"), "moderate": N_("moderate"), "low": N_("low"),
                  "unknown": N_("unknown")}  # fmt: skip


def _verdict_short(verdict: object) -> str:
    return _(_VERDICT_SHORT.get(str(verdict), str(verdict)))


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
                units=top["unit_list"],
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
            _("Units"): frame["unit_list"],
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
    return Html(
        "<h2>" + escape_text(_("Group portfolio")) + "</h2>"
        + intro
        + describe_group(portfolio, labels=labels)
        + group_top_table(portfolio, labels=labels, currency=currency)
    )
