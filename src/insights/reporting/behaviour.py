"""Executive sentences for the customer-behaviour sections.

Express test, lifecycle segments (with what to do for new, occasional, regular and lost customers),
movement between segments, RFM, cohorts, acquisition sources and experiments. Every function
takes a result of ``insights.segments``, ``insights.cohorts`` or ``insights.experiments``
and returns escaped ``Html`` built from its numbers.
"""

from __future__ import annotations

import math

import pandas as pd

from insights.experiments import newcombe_interval
from insights.reporting.core import (
    Html,
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
    verdict_badge,
)
from insights.reporting.i18n import N_, _, ngettext
from insights.reporting.labels import label_code
from insights.reporting.phrases import sentence_of


def _nouns(segment: str, n: int) -> str:
    """Return '{n} new customers' in the current language's plural form (``{n}`` left to fill)."""
    if segment == "new":
        return ngettext("{n} new customer", "{n} new customers", n)
    if segment == "regular":
        return ngettext("{n} regular customer", "{n} regular customers", n)
    if segment == "occasional":
        return ngettext("{n} occasional buyer", "{n} occasional buyers", n)
    if segment == "one-time":
        return ngettext("{n} one-time buyer", "{n} one-time buyers", n)
    if segment == "lost":
        return ngettext("{n} lost customer", "{n} lost customers", n)
    return ngettext("{n} customer", "{n} customers", n) + " ({segment})"


#: Group names used after "The largest group is ..." (segment codes stay in the data).
_GROUP = {
    "new": N_("new customers"), "regular": N_("regular customers"), "occasional": N_("occasional buyers"),
    "one-time": N_("one-time buyers"), "lost": N_("lost customers"),
}


def _long(text: str) -> Html:
    """Escape a whole sentence produced by the analysis (a reason or verdict), unshortened."""
    return escape_text(text, max_length=1000)


def _noun(segment: str, n: int) -> str:
    return _nouns(segment, n).format(n=fmt_int(n), segment=label_code("segment", segment))


def express_reason(result) -> str:
    """Return the express test's reason in the report's language, rebuilt from its numbers.

    The analysis (``segments.express_test``) keeps its English ``reason`` for summary.json;
    the report says the same from the result's fields.
    """
    if not getattr(result, "can_answer", True):
        return _("The data cannot answer: too little history, too many rows without a customer, "
                 "or too few active customers (the rule below gives the thresholds).")
    one = result.one_time_share
    if result.verdict == "red":
        text = _("Most customers bought once and most have lapsed.")
    elif result.verdict == "green":
        text = _("One-time buyers are {share} of active customers, within natural churn.").format(share=fmt_share(one))
    else:
        text = _("One-time buyers are {share} of active customers, above natural churn.").format(share=fmt_share(one))
    if result.stressed:
        text += " " + _("One-time buyers outnumber regulars.")
    return text


def express_rule(params) -> str:
    """Return the express test's rule with the unit's thresholds (``params.express_test``)."""
    return _(
        "Red: the data cannot answer (under {days} days of history, more than {unknown} of rows "
        "without a customer, or fewer than {active} active customers), or most customers bought "
        "once and most have lapsed (both at or above {lapsed}: one-time buyers among all "
        "customers, last year's active customers lost since). Green: one-time buyers at or below "
        "{churn} of active customers (natural churn), at most {lost} of last year's active "
        "customers lost and at most {never} of last year's new customers never back. Yellow: "
        "otherwise; stressed when one-time buyers outnumber regulars."
    ).format(
        days=fmt_int(params.min_history_days), unknown=fmt_share(params.max_unknown_customer_share, digits=0),
        active=fmt_int(params.min_active_customers), lapsed=fmt_share(params.lapsed_base_share, digits=0),
        churn=fmt_share(params.natural_churn_share, digits=0), lost=fmt_share(params.max_lost_share, digits=0),
        never=fmt_share(params.max_never_returned_share, digits=0),
    )


def describe_express_test(result, *, rule=None) -> Html:
    """Describe the express test: the verdict badge, the numbers, and the rule beside it.

    ``result`` is an ``segments.ExpressTestResult``; ``rule`` is the unit's
    ``params.express_test`` (its thresholds go into the rule; without it the analysis's own
    English rule is shown).
    """
    stressed = _("(stressed)") + " " if result.stressed else ""
    badge = verdict_badge(result.verdict, stressed + express_reason(result))
    if result.active_customers == 0:
        body = sentence(_("There are no active customers to test."))
    else:
        body = sentence(
            _("Of {active} active customers, {one} bought only once ({one_rev} of their "
            "trailing-12-month revenue) and {reg} are regulars ({reg_rev} of revenue)."),
            active=fmt_int(result.active_customers),
            one=fmt_share(result.one_time_share),
            one_rev=fmt_share(result.one_time_revenue_share),
            reg=fmt_share(result.regular_share),
            reg_rev=fmt_share(result.regular_revenue_share),
        )
    base = sentence(
        _("Across the whole base: {one} of all customers bought only once; {lost} of last year's "
        "{active} active customers are lost since; {never} of last year's {new} new customers "
        "never bought again."),
        one=fmt_share(result.base_one_time_share),
        lost=fmt_share(result.lost_share),
        active=fmt_int(result.year_ago_active),
        never=fmt_share(result.never_returned_share),
        new=fmt_int(result.year_ago_new),
    )
    return Html(badge + paragraph(body, base) + note(_("Rule: {rule}").format(rule=express_rule(rule) if rule is not None else result.rule)))


def describe_lifecycle(summary: pd.DataFrame) -> Html:
    """Describe lifecycle segments and say what to do for new, occasional, regular and lost customers.

    ``summary`` is ``segments.segment_summary`` of the lifecycle segments.
    """
    rows = summary.set_index(summary["segment"].astype(str))
    total = int(rows["customers"].sum())
    if total == 0:
        return paragraph(sentence(_("There are no customers as of this quarter.")))

    def count(seg: str) -> int:
        return int(rows["customers"].get(seg, 0))

    def rev(seg: str) -> str:
        return fmt_share(rows["revenue_share"].get(seg, math.nan))

    biggest = rows["customers"].idxmax()
    lead = sentence(
        _("The largest group is {who} ({share} of {total} customers); regular customers bring "
        "{reg_rev} of trailing-12-month revenue."),
        who=_(_GROUP.get(biggest, biggest)), share=fmt_share(
            rows.loc[biggest, "customer_share"]), total=fmt_int(total), reg_rev=rev("regular"),
    )
    actions = []
    if count("new"):
        actions.append(sentence(
            _("New ({n}, {rev} of revenue): make the second purchase happen: a follow-up call "
            "and an offer matched to the first purchase within weeks."), n=fmt_int(count("new")),
            rev=rev("new")))
    if count("occasional") + count("one-time"):
        actions.append(sentence(
            _("Occasional and one-time ({occ} and {one}, {rev} of revenue): remind them at their "
            "buying cycle and "
            "ask the one-time buyers why they did not come back."),
            occ=_noun("occasional", count("occasional")), one=_noun("one-time", count("one-time")),
            rev=fmt_share(rows["revenue_share"].reindex(["occasional", "one-time"]).sum())))
    if count("regular"):
        actions.append(sentence(
            _("Regular ({n}, {rev} of revenue): protect them: a named contact, service "
            "reminders, early news; do not discount them by default."),
            n=fmt_int(count("regular")), rev=rev("regular")))
    if count("lost"):
        actions.append(sentence(
            _("Lost ({n}, {share} of customers): try to bring the valuable ones back with a "
            "personal call and a win-back offer; test it on a group first."),
            n=fmt_int(count("lost")), share=fmt_share(rows.loc["lost", "customer_share"])))
    return Html(paragraph(lead) + paragraph(*actions, css_class="actions"))


def lifecycle_rules_table(params) -> Html:
    """Return the lifecycle rules (``params.lifecycle``) as a table in the report's language.

    The same rules as ``segments.lifecycle_rules``, first match wins. With per-unit windows
    (``lifecycle.by_unit``, a report spanning several units) there is one rule column per
    unit, and the caption says each customer follows its main unit's rules.
    """
    by_unit = dict(getattr(params, "by_unit", None) or {})
    if not by_unit:
        return _rules_table([(None, params)], caption=_("Segment rules (first match wins)"))
    columns = [(label_code("unit", unit), windows) for unit, windows in by_unit.items()]
    return _rules_table(columns, caption=_(
        "Segment rules (first match wins), per unit: each customer is segmented on its main "
        "unit's purchases (the unit bringing most of its revenue) with that unit's rules, as "
        "in that unit's own report."))


def _rules_table(columns: list, *, caption: str) -> Html:
    """Return the rules of each (unit label or None, windows) as one table, a column each."""
    codes = ["lost", "new", "regular", "one-time", "occasional"]
    frame = pd.DataFrame({_("Segment"): [label_code("segment", code) for code in codes]})
    for label, windows in columns:
        frame[label or _("Rule")] = _rules(windows)
    return html_table(frame, caption=caption)


def _rules(params) -> list[str]:
    """Return the five rules of one set of windows, in match order, in the report's language."""
    rows = [
        ("lost", _("no purchase in the last {days} days").format(days=fmt_int(params.lost_days))),
        ("new", _("first purchase in the last {days} days").format(days=fmt_int(params.new_days))),
        ("regular", _("{n}+ purchases in the last {days} days").format(
            n=fmt_int(params.regular_min_purchases), days=fmt_int(params.regular_window_days))),
        ("one-time", _("one purchase ever")),
        ("occasional", _("everyone else (bought more than once, but not often lately)")),
    ]
    return [rule for _code, rule in rows]


def describe_movement(transitions, flows: pd.DataFrame, *, top: int = 2) -> Html:
    """Name the movements between segments that matter, losses first.

    ``transitions`` is ``segments.segment_transitions``; ``flows`` is ``segments.key_flows``.
    Example: "14 regular customers became lost this quarter; they brought 8.0% of last year's
    revenue."
    """
    if flows.empty:
        return paragraph(sentence(_("No customer changed segment this quarter.")))
    out = []
    for direction in ("loss", "gain"):
        for flow in flows[flows["direction"] == direction].head(top).itertuples(index=False):
            out.append(_flow_sentence(flow))
    arrivals = int(flows.loc[flows["direction"] == "arrival", "customers"].sum())
    if arrivals:
        out.append(sentence(_("{n} arrived this quarter."), n=_noun("new", arrivals)))
    if transitions.missing_customers:
        out.append(sentence(_("{n} customers of last quarter are missing from this quarter's data."),
                            n=fmt_int(transitions.missing_customers)))
    return paragraph(*out)


def _flow_verb(flow, n: int) -> str:
    if flow.from_segment == "lost":
        return ngettext("came back", "came back", n)
    if flow.to_segment == "lost":
        return ngettext("became lost", "became lost", n)
    if flow.to_segment == "regular":
        return ngettext("became a regular", "became regulars", n)
    if flow.to_segment == "one-time":
        return ngettext("did not buy again", "did not buy again", n)
    if flow.to_segment == "occasional":
        if flow.direction == "loss":
            return ngettext("slowed down to occasional buying", "slowed down to occasional buying", n)
        return ngettext("bought again", "bought again", n)
    return _("moved to: {segment}").format(segment=label_code("segment", flow.to_segment))


def _flow_sentence(flow) -> Html:
    n = int(flow.customers)
    text = sentence(_("{who} {verb} this quarter"), who=_noun(flow.from_segment, n),
                    verb=_flow_verb(flow, n))
    if not pd.isna(flow.revenue_share) and flow.direction == "loss":
        text += sentence(ngettext("; it brought {share} of last year's revenue.",
                                  "; they brought {share} of last year's revenue.", n),
                         share=fmt_share(flow.revenue_share))
    else:
        text += Html(".")
    return text


def describe_rfm(summary: pd.DataFrame, *, bins: int = 5, min_customers: int = 1) -> Html:
    """Describe RFM segments: the champions, and who is at risk of leaving.

    ``summary`` is ``segments.segment_summary(features, rfm, column="rfm_segment")``. With
    fewer than ``bins * min_customers`` customers the scores are too coarse to act on.
    """
    rows = summary.set_index(summary["segment"].astype(str))
    if int(rows["customers"].sum()) == 0:
        return paragraph(sentence(_("There are no customers to score.")))
    if int(rows["customers"].sum()) < bins * min_customers:
        return paragraph(sentence(
            _("Too few customers to judge: {n} customers cannot fill {bins} score bands of at "
            "least {m} each (params rfm.bins, report.min_customers); the segments below are "
            "shown, not recommended on."), n=fmt_int(rows["customers"].sum()),
            bins=fmt_int(bins), m=fmt_int(min_customers)))
    out = []
    if "Champions" in rows.index:
        out.append(sentence(
            _("Champions: {n} customers ({share}) bring {rev} of trailing-12-month revenue; "
            "ask them for referrals and reviews."), n=fmt_int(rows.loc["Champions", "customers"]),
            share=fmt_share(rows.loc["Champions", "customer_share"]),
            rev=fmt_share(rows.loc["Champions", "revenue_share"])))
    risky = rows.reindex(["At risk", "Cannot lose them"]).dropna(subset=["customers"])
    if len(risky) and risky["customers"].sum() > 0:
        out.append(sentence(
            _("At risk and cannot-lose-them: {n} customers who used to buy often but not lately; "
              "those of them worth calling are on the \"needs attention\" list, with the money "
              "at stake."), n=fmt_int(risky["customers"].sum())))
    if not out:
        out.append(sentence(_("No customer is in the Champions or At risk segments.")))
    return paragraph(*out)


def describe_cohorts(table) -> Html:
    """Describe acquisition cohorts: how many still buy one quarter and one year later.

    ``table`` is ``cohorts.acquisition_cohorts``; averages weight cohorts by size and use only
    observable cells.
    """
    if table.reason:
        return paragraph(_long(_(table.reason)))
    out = []
    for offset, when in ((1, _("the next quarter")), (4, _("a year later"))):
        if offset not in table.retention.columns:
            continue
        cells = table.retention[offset].dropna()
        weights = table.sizes.reindex(cells.index)
        if weights.sum() > 0:
            out.append(sentence(
                _("On average {share} of new customers bought again {when} ({n} cohorts)."),
                share=fmt_share((cells * weights).sum() / weights.sum()), when=when,
                n=fmt_int(len(cells))))
    if not out:
        out.append(sentence(_("The cohorts are too young to show retention yet.")))
    out.extend(_cohort_caveats(table))
    out.append(sentence(_("Blank cells are quarters that have not happened yet.")))
    return paragraph(*out)


def _cohort_caveats(table) -> list[Html]:
    """Say when there is only one cohort, and which cohorts spent nothing in their first quarter."""
    out = []
    sizes = table.sizes[table.sizes > 0]
    if len(sizes) == 1:
        out.append(sentence(
            _("There is only one acquisition cohort ({q}, {n} customers): the table shows how that "
            "cohort fades, not how newer customers compare with older ones."),
            q=fmt_quarter(sizes.index[0]), n=fmt_int(sizes.iloc[0])))
    if 0 in table.revenue.columns:
        first = table.revenue[0].reindex(sizes.index)
        empty = [fmt_quarter(q) for q, v in first.items() if pd.notna(v) and v <= 0]
        if empty:
            out.append(sentence(
                _("Cohort(s) {q}: their customers spent nothing net in the first quarter (returns "
                "cancel purchases), so their revenue retention cannot be read."), q=", ".join(empty)))
    return out


def describe_acquisition(
    summary, by_source: pd.DataFrame | None = None, *, currency: str = "RUB",
    min_trend_customers: int = 20, min_customers: int = 1,
) -> Html:
    """Describe where new customers come from and the referral share's trend.

    ``summary`` is ``cohorts.new_customers_by_source``; ``by_source`` (optional) is
    ``cohorts.retention_by_source`` to compare referred customers with the rest. The trend
    is only called with at least 4 quarters that had new customers and
    ``min_trend_customers`` new customers in all; referred customers are compared with the
    rest only with ``min_customers`` mature customers in each group, with a confidence
    interval of the repeat-rate difference (Newcombe).
    """
    counts = summary.new_customers
    if counts.empty:
        return paragraph(sentence(_("No quarters to show.")))
    last_q, last_n, total = counts.index[-1], int(counts.iloc[-1].sum()), int(counts.sum().sum())
    out = [sentence(_("In {q}, {n} arrived ({total} over the last {k} quarters)."), q=fmt_quarter(last_q),
                    n=_noun("new", last_n), total=fmt_int(total), k=fmt_int(len(counts)))]
    if summary.reason:
        out.append(_long(_(summary.reason)))
    elif total:
        quarters_with_new = int((counts.sum(axis=1) > 0).sum())
        slope = summary.referral_trend
        if quarters_with_new < 4 or total < min_trend_customers or pd.isna(slope):
            trend = _("too few new customers to call a trend")
        else:
            word = _("flat") if abs(slope) < 0.005 else _("rising") if slope > 0 else _("falling")
            trend = _("the share is {word} ({points} percentage points a quarter)").format(
                word=word, points=fmt_number(slope * 100))
        out.append(sentence(
            _("Referrals brought {share} of new customers over those quarters; {trend}."),
            share=fmt_share(summary.referral_customers.sum() / total), trend=trend))
    if by_source is not None and not summary.reason:
        out.extend(_referral_value(by_source, currency, min_customers))
    return paragraph(*out)


def _referral_value(by_source: pd.DataFrame, currency: str, min_customers: int = 1) -> list[Html]:
    weighted = by_source.assign(
        repeat_buyers=by_source["repeat_share"].fillna(0) * by_source["mature_customers"],
        revenue=by_source["mean_revenue_12m"] * by_source["customers"],
    ).groupby("is_referral")[["repeat_buyers", "mature_customers", "revenue", "customers"]].sum()
    if len(weighted) < 2:
        return []
    mature = weighted["mature_customers"].round().astype(int)
    if mature.min() < max(min_customers, 1):
        return [sentence(
            _("Referred against other customers: too few customers to judge ({r} referred and "
            "{o} other customers old enough to have bought again; at least {m} each needed)."),
            r=fmt_int(mature.get(True)), o=fmt_int(mature.get(False)), m=fmt_int(min_customers))]
    repeat = weighted["repeat_buyers"] / weighted["mature_customers"]
    value = weighted["revenue"] / weighted["customers"]
    buyers = weighted["repeat_buyers"].round().astype(int)
    low, high = newcombe_interval(buyers[True], mature[True], buyers[False], mature[False])
    return [sentence(
        _("Referred customers buy again {r1} of the time versus {r0} for others ({n1} and {n0} "
        "customers; 95% interval of the difference {lo} to {hi} points), and bring {v1} a year "
        "each versus {v0}."), r1=fmt_share(repeat.get(True)), r0=fmt_share(repeat.get(False)),
        n1=fmt_int(mature[True]), n0=fmt_int(mature[False]), lo=fmt_number(low * 100),
        hi=fmt_number(high * 100), v1=fmt_money(value.get(True), currency=currency),
        v0=fmt_money(value.get(False), currency=currency))]


#: Names of the value a win-back split is balanced on (``describe_split(value_label=...)``).
VALUE_LABELS = (N_("trailing-12-month revenue"), N_("revenue ever"))


def describe_split(
    assignments: pd.DataFrame,
    *,
    segment: str | None = None,
    currency: str = "RUB",
    value_label: str = "trailing-12-month revenue",
    min_customers: int = 2,
) -> Html:
    """Describe a test/control split: group sizes and their mean value (balance check).

    ``value_label`` names the value the split was stratified by (``value_column``). With
    fewer than ``min_customers`` (params ``report.min_customers``) in either group no campaign
    is recommended: the text says there are too few customers to judge.
    """
    sizes = assignments["group"].value_counts()
    means = assignments.groupby("group")["value"].mean()
    who = _("lost customers") if segment == "lost" else _("customers")
    smaller = min(int(sizes.get("test", 0)), int(sizes.get("control", 0)))
    if smaller < min_customers:
        return paragraph(sentence(
            _("{n} {who} would make groups of {t} and {c}: too few customers to judge a campaign "
            "(at least {m} per group are needed). No experiment is recommended this quarter."),
            n=fmt_int(len(assignments)), who=who, t=fmt_int(sizes.get("test", 0)),
            c=fmt_int(sizes.get("control", 0)), m=fmt_int(min_customers)))
    return paragraph(sentence(
        _("{n} {who} were split into a test group of {t} and a control group of {c}; mean "
        "{label} {mt} vs {mc}. Run the campaign on the test group only."),
        n=fmt_int(len(assignments)), who=who, label=_(value_label), t=fmt_int(sizes.get("test", 0)),
        c=fmt_int(sizes.get("control", 0)), mt=fmt_money(means.get("test"), currency=currency),
        mc=fmt_money(means.get("control"), currency=currency)))


def describe_experiment(readout, *, currency: str = "RUB") -> Html:
    """Describe an experiment readout: the differences, their intervals, and the verdict.

    ``readout`` is ``experiments.read_out_experiment``.
    """
    if readout.reason:
        return paragraph(_long(sentence_of(readout.reason)))
    rows = readout.table.set_index("metric")
    rate, money = rows.loc["repeat_rate"], rows.loc["revenue_per_customer"]
    level = fmt_share(readout.confidence, digits=0)
    return paragraph(
        sentence(
            _("Test group ({nt}) bought again {t} of the time, control ({nc}) {c}: a difference "
            "of {d} points ({level} interval {lo} to {hi})."), nt=fmt_int(readout.test_customers),
            nc=fmt_int(readout.control_customers), t=fmt_share(rate["test"]),
            c=fmt_share(rate["control"]), d=fmt_number(rate["difference"] * 100),
            level=level, lo=fmt_number(rate["ci_low"] * 100), hi=fmt_number(rate["ci_high"] * 100)),
        sentence(
            _("Revenue per customer: {t} vs {c} ({level} interval of the difference {lo} to {hi})."),
            t=fmt_money(money["test"], currency=currency),
            c=fmt_money(money["control"], currency=currency), level=level,
            lo=fmt_money(money["ci_low"], currency=currency),
            hi=fmt_money(money["ci_high"], currency=currency)),
        _long(sentence_of(readout.verdict)),
    )
