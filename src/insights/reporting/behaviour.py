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
    fmt_share,
    note,
    paragraph,
    sentence,
    verdict_badge,
)

_NOUN = {
    "new": ("new customer", "new customers"),
    "regular": ("regular customer", "regular customers"),
    "occasional": ("occasional buyer", "occasional buyers"),
    "one-time": ("one-time buyer", "one-time buyers"),
    "lost": ("lost customer", "lost customers"),
}


def _long(text: str) -> Html:
    """Escape a whole sentence produced by the analysis (a reason or verdict), unshortened."""
    return escape_text(text, max_length=1000)


def _noun(segment: str, n: int) -> str:
    single, plural = _NOUN.get(segment, (f"{segment} customer", f"{segment} customers"))
    return f"{fmt_int(n)} {single if n == 1 else plural}"


def describe_express_test(result) -> Html:
    """Describe the express test: the verdict badge, the numbers, and the rule beside it.

    ``result`` is an ``segments.ExpressTestResult``.
    """
    stressed = "(stressed) " if result.stressed else ""
    badge = verdict_badge(result.verdict, stressed + result.reason)
    if result.active_customers == 0:
        body = sentence("There are no active customers to test.")
    else:
        body = sentence(
            "Of {active} active customers, {one} bought only once ({one_rev} of their "
            "trailing-12-month revenue) and {reg} are regulars ({reg_rev} of revenue).",
            active=fmt_int(result.active_customers),
            one=fmt_share(result.one_time_share),
            one_rev=fmt_share(result.one_time_revenue_share),
            reg=fmt_share(result.regular_share),
            reg_rev=fmt_share(result.regular_revenue_share),
        )
    base = sentence(
        "Across the whole base: {one} of all customers bought only once; {lost} of last year's "
        "{active} active customers are lost since; {never} of last year's {new} new customers "
        "never bought again.",
        one=fmt_share(result.base_one_time_share),
        lost=fmt_share(result.lost_share),
        active=fmt_int(result.year_ago_active),
        never=fmt_share(result.never_returned_share),
        new=fmt_int(result.year_ago_new),
    )
    return Html(badge + paragraph(body, base) + note(f"Rule: {result.rule}"))


def describe_lifecycle(summary: pd.DataFrame) -> Html:
    """Describe lifecycle segments and say what to do for new, occasional, regular and lost customers.

    ``summary`` is ``segments.segment_summary`` of the lifecycle segments.
    """
    rows = summary.set_index(summary["segment"].astype(str))
    total = int(rows["customers"].sum())
    if total == 0:
        return paragraph(sentence("There are no customers as of this quarter."))

    def count(seg: str) -> int:
        return int(rows["customers"].get(seg, 0))

    def rev(seg: str) -> str:
        return fmt_share(rows["revenue_share"].get(seg, math.nan))

    biggest = rows["customers"].idxmax()
    lead = sentence(
        "The largest group is {who} ({share} of {total} customers); regular customers bring "
        "{reg_rev} of trailing-12-month revenue.",
        who=_noun(biggest, count(biggest)).split(" ", 1)[1], share=fmt_share(
            rows.loc[biggest, "customer_share"]), total=fmt_int(total), reg_rev=rev("regular"),
    )
    actions = []
    if count("new"):
        actions.append(sentence(
            "New ({n}, {rev} of revenue): make the second purchase happen: a follow-up call "
            "and an offer matched to the first purchase within weeks.", n=fmt_int(count("new")),
            rev=rev("new")))
    if count("occasional") + count("one-time"):
        actions.append(sentence(
            "Occasional and one-time ({occ} and {one}, {rev} of revenue): remind them at their "
            "buying cycle and "
            "ask the one-time buyers why they did not come back.",
            occ=_noun("occasional", count("occasional")), one=_noun("one-time", count("one-time")),
            rev=fmt_share(rows["revenue_share"].reindex(["occasional", "one-time"]).sum())))
    if count("regular"):
        actions.append(sentence(
            "Regular ({n}, {rev} of revenue): protect them: a named contact, service "
            "reminders, early news; do not discount them by default.",
            n=fmt_int(count("regular")), rev=rev("regular")))
    if count("lost"):
        actions.append(sentence(
            "Lost ({n}, {share} of customers): try to bring the valuable ones back with a "
            "personal call and a win-back offer; test it on a group first.",
            n=fmt_int(count("lost")), share=fmt_share(rows.loc["lost", "customer_share"])))
    return Html(paragraph(lead) + paragraph(*actions, css_class="actions"))


def describe_movement(transitions, flows: pd.DataFrame, *, top: int = 2) -> Html:
    """Name the movements between segments that matter, losses first.

    ``transitions`` is ``segments.segment_transitions``; ``flows`` is ``segments.key_flows``.
    Example: "14 regular customers became lost this quarter; they brought 8.0% of last year's
    revenue."
    """
    if flows.empty:
        return paragraph(sentence("No customer changed segment this quarter."))
    out = []
    for direction in ("loss", "gain"):
        for flow in flows[flows["direction"] == direction].head(top).itertuples(index=False):
            out.append(_flow_sentence(flow))
    arrivals = int(flows.loc[flows["direction"] == "arrival", "customers"].sum())
    if arrivals:
        out.append(sentence("{n} arrived this quarter.", n=_noun("new", arrivals)))
    if transitions.missing_customers:
        out.append(sentence("{n} customers of last quarter are missing from this quarter's data.",
                            n=fmt_int(transitions.missing_customers)))
    return paragraph(*out)


def _flow_verb(flow, n: int) -> str:
    if flow.from_segment == "lost":
        return "came back"
    if flow.to_segment == "lost":
        return "became lost"
    if flow.to_segment == "regular":
        return "became a regular" if n == 1 else "became regulars"
    if flow.to_segment == "one-time":
        return "did not buy again"
    if flow.to_segment == "occasional":
        return "slowed down to occasional buying" if flow.direction == "loss" else "bought again"
    return f"became {flow.to_segment}"


def _flow_sentence(flow) -> Html:
    n = int(flow.customers)
    text = sentence("{who} {verb} this quarter", who=_noun(flow.from_segment, n),
                    verb=_flow_verb(flow, n))
    if not pd.isna(flow.revenue_share) and flow.direction == "loss":
        they = "it" if n == 1 else "they"
        text += sentence("; {they} brought {share} of last year's revenue.", they=they,
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
        return paragraph(sentence("There are no customers to score."))
    if int(rows["customers"].sum()) < bins * min_customers:
        return paragraph(sentence(
            "Too few customers to judge: {n} customers cannot fill {bins} score bands of at "
            "least {m} each (params rfm.bins, report.min_customers); the segments below are "
            "shown, not recommended on.", n=fmt_int(rows["customers"].sum()),
            bins=fmt_int(bins), m=fmt_int(min_customers)))
    out = []
    if "Champions" in rows.index:
        out.append(sentence(
            "Champions: {n} customers ({share}) bring {rev} of trailing-12-month revenue; "
            "ask them for referrals and reviews.", n=fmt_int(rows.loc["Champions", "customers"]),
            share=fmt_share(rows.loc["Champions", "customer_share"]),
            rev=fmt_share(rows.loc["Champions", "revenue_share"])))
    risky = rows.reindex(["At risk", "Cannot lose them"]).dropna(subset=["customers"])
    if len(risky) and risky["customers"].sum() > 0:
        out.append(sentence(
            "At risk and cannot-lose-them: {n} customers who used to buy often but not lately; "
            "contact them first.", n=fmt_int(risky["customers"].sum())))
    if not out:
        out.append(sentence("No customer is in the Champions or At risk segments."))
    return paragraph(*out)


def describe_cohorts(table) -> Html:
    """Describe acquisition cohorts: how many still buy one quarter and one year later.

    ``table`` is ``cohorts.acquisition_cohorts``; averages weight cohorts by size and use only
    observable cells.
    """
    if table.reason:
        return paragraph(_long(table.reason))
    out = []
    for offset, when in ((1, "the next quarter"), (4, "a year later")):
        if offset not in table.retention.columns:
            continue
        cells = table.retention[offset].dropna()
        weights = table.sizes.reindex(cells.index)
        if weights.sum() > 0:
            out.append(sentence(
                "On average {share} of new customers bought again {when} ({n} cohorts).",
                share=fmt_share((cells * weights).sum() / weights.sum()), when=when,
                n=fmt_int(len(cells))))
    if not out:
        out.append(sentence("The cohorts are too young to show retention yet."))
    out.extend(_cohort_caveats(table))
    out.append(sentence("Blank cells are quarters that have not happened yet."))
    return paragraph(*out)


def _cohort_caveats(table) -> list[Html]:
    """Say when there is only one cohort, and which cohorts spent nothing in their first quarter."""
    out = []
    sizes = table.sizes[table.sizes > 0]
    if len(sizes) == 1:
        out.append(sentence(
            "There is only one acquisition cohort ({q}, {n} customers): the table shows how that "
            "cohort fades, not how newer customers compare with older ones.",
            q=str(sizes.index[0]), n=fmt_int(sizes.iloc[0])))
    if 0 in table.revenue.columns:
        first = table.revenue[0].reindex(sizes.index)
        empty = [str(q) for q, v in first.items() if pd.notna(v) and v <= 0]
        if empty:
            out.append(sentence(
                "Cohort(s) {q}: their customers spent nothing net in the first quarter (returns "
                "cancel purchases), so their revenue retention cannot be read.", q=", ".join(empty)))
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
        return paragraph(sentence("No quarters to show."))
    last_q, last_n, total = counts.index[-1], int(counts.iloc[-1].sum()), int(counts.sum().sum())
    out = [sentence("In {q}, {n} arrived ({total} over the last {k} quarters).", q=str(last_q),
                    n=_noun("new", last_n), total=fmt_int(total), k=fmt_int(len(counts)))]
    if summary.reason:
        out.append(_long(summary.reason))
    elif total:
        quarters_with_new = int((counts.sum(axis=1) > 0).sum())
        slope = summary.referral_trend
        if quarters_with_new < 4 or total < min_trend_customers or pd.isna(slope):
            trend = "too few new customers to call a trend"
        else:
            word = "flat" if abs(slope) < 0.005 else "rising" if slope > 0 else "falling"
            trend = f"the share is {word} ({fmt_number(slope * 100)} percentage points a quarter)"
        out.append(sentence(
            "Referrals brought {share} of new customers over those quarters; {trend}.",
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
            "Referred against other customers: too few customers to judge ({r} referred and "
            "{o} other customers old enough to have bought again; at least {m} each needed).",
            r=fmt_int(mature.get(True)), o=fmt_int(mature.get(False)), m=fmt_int(min_customers))]
    repeat = weighted["repeat_buyers"] / weighted["mature_customers"]
    value = weighted["revenue"] / weighted["customers"]
    buyers = weighted["repeat_buyers"].round().astype(int)
    low, high = newcombe_interval(buyers[True], mature[True], buyers[False], mature[False])
    return [sentence(
        "Referred customers buy again {r1} of the time versus {r0} for others ({n1} and {n0} "
        "customers; 95% interval of the difference {lo} to {hi} points), and bring {v1} a year "
        "each versus {v0}.", r1=fmt_share(repeat.get(True)), r0=fmt_share(repeat.get(False)),
        n1=fmt_int(mature[True]), n0=fmt_int(mature[False]), lo=fmt_number(low * 100),
        hi=fmt_number(high * 100), v1=fmt_money(value.get(True), currency=currency),
        v0=fmt_money(value.get(False), currency=currency))]


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
    who = f"{segment} customers" if segment else "customers"
    smaller = min(int(sizes.get("test", 0)), int(sizes.get("control", 0)))
    if smaller < min_customers:
        return paragraph(sentence(
            "{n} {who} would make groups of {t} and {c}: too few customers to judge a campaign "
            "(at least {m} per group are needed). No experiment is recommended this quarter.",
            n=fmt_int(len(assignments)), who=who, t=fmt_int(sizes.get("test", 0)),
            c=fmt_int(sizes.get("control", 0)), m=fmt_int(min_customers)))
    return paragraph(sentence(
        "{n} {who} were split into a test group of {t} and a control group of {c}; mean "
        "{label} {mt} vs {mc}. Run the campaign on the test group only.",
        n=fmt_int(len(assignments)), who=who, label=value_label, t=fmt_int(sizes.get("test", 0)),
        c=fmt_int(sizes.get("control", 0)), mt=fmt_money(means.get("test"), currency=currency),
        mc=fmt_money(means.get("control"), currency=currency)))


def describe_experiment(readout, *, currency: str = "RUB") -> Html:
    """Describe an experiment readout: the differences, their intervals, and the verdict.

    ``readout`` is ``experiments.read_out_experiment``.
    """
    if readout.reason:
        return paragraph(_long(readout.reason))
    rows = readout.table.set_index("metric")
    rate, money = rows.loc["repeat_rate"], rows.loc["revenue_per_customer"]
    level = f"{readout.confidence:.0%}"
    return paragraph(
        sentence(
            "Test group ({nt}) bought again {t} of the time, control ({nc}) {c}: a difference "
            "of {d} points ({level} interval {lo} to {hi}).", nt=fmt_int(readout.test_customers),
            nc=fmt_int(readout.control_customers), t=fmt_share(rate["test"]),
            c=fmt_share(rate["control"]), d=fmt_number(rate["difference"] * 100),
            level=level, lo=fmt_number(rate["ci_low"] * 100), hi=fmt_number(rate["ci_high"] * 100)),
        sentence(
            "Revenue per customer: {t} vs {c} ({level} interval of the difference {lo} to {hi}).",
            t=fmt_money(money["test"], currency=currency),
            c=fmt_money(money["control"], currency=currency), level=level,
            lo=fmt_money(money["ci_low"], currency=currency),
            hi=fmt_money(money["ci_high"], currency=currency)),
        _long(readout.verdict),
    )
