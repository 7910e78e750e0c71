"""The report's top: KPI cards with one plain sentence each, and the machine-readable summary.

``summarize_headline`` computes the headline figures from analysis results (shares as
fractions); ``headline_cards`` turns them into cards; ``build_summary`` assembles what
``metadata.json`` and the index page carry.
"""

from __future__ import annotations

import math

import pandas as pd

from insights.reporting.core import (
    Card,
    Html,
    fmt_date,
    fmt_int,
    fmt_money,
    fmt_number,
    fmt_quarter,
    fmt_share,
    kpi_cards,
)
from insights.reporting.i18n import N_, _, ngettext
from insights.reporting.labels import band_label, label_code, verdict_label


def _change(now: float, before: float) -> float | None:
    """Return the relative change now vs before, or None when before is not positive."""
    if before is None or not math.isfinite(before) or before <= 0:
        return None
    return now / before - 1.0


def quarter_revenue(activity: pd.DataFrame, quarter: pd.Period) -> tuple[float, float]:
    """Return net revenue of ``quarter`` and of the quarter before, from quarterly activity.

    ``activity`` is ``features.customer_quarter_activity`` output (customer_id, quarter,
    purchases, revenue).
    """
    totals = activity.groupby("quarter", observed=True)["revenue"].sum()
    return float(totals.get(quarter, 0.0)), float(totals.get(quarter - 1, 0.0))


def summarize_headline(
    features_now: pd.DataFrame,
    features_prev: pd.DataFrame,
    *,
    activity: pd.DataFrame,
    quarter: pd.Period,
    segments_now: pd.DataFrame,
    segments_prev: pd.DataFrame,
    concentration,
    express,
    features_year: pd.DataFrame | None = None,
    segments_year: pd.DataFrame | None = None,
    express_prev=None,
    express_year=None,
    trend: pd.DataFrame | None = None,
) -> dict:
    """Return the headline figures with their change on the previous quarter and a year ago.

    Active customers are those whose lifecycle segment is not "lost" (the same definition
    the express test uses). ``<key>_change`` is the relative change on the previous
    quarter's end, ``<key>_change_year`` on the same quarter a year earlier (None where
    the earlier figure is missing); the top customer's share and the one-time share change
    in percentage points (``top1_share_prev``, ``one_time_share_prev`` and their ``_year``).
    """
    revenue_q, revenue_prev_q = quarter_revenue(activity, quarter)
    revenue_year_q, _prev = quarter_revenue(activity, quarter - 4)

    def active(segments):
        return None if segments is None else int((segments["segment"].astype(str) != "lost").sum())

    def revenue_12m(features):
        return None if features is None or not len(features) else float(features["revenue_12m"].sum())

    now_12m, active_now = float(features_now["revenue_12m"].sum()), active(segments_now)
    top1 = concentration.top_shares.get(1) if concentration.status == "ok" else None
    return {
        "revenue_12m": now_12m,
        "revenue_12m_change": _change(now_12m, revenue_12m(features_prev) or 0.0),
        "revenue_12m_change_year": _change(now_12m, revenue_12m(features_year) or 0.0),
        "revenue_quarter": revenue_q,
        "revenue_quarter_change": _change(revenue_q, revenue_prev_q),
        "revenue_quarter_change_year": _change(revenue_q, revenue_year_q),
        "active_customers": active_now,
        "active_customers_change": _change(active_now, active(segments_prev) or 0),
        "active_customers_change_year": _change(active_now, active(segments_year) or 0),
        "top1_share": top1,
        "top1_share_prev": _trend_share(trend, quarter - 1),
        "top1_share_year": _trend_share(trend, quarter - 4),
        "hhi": concentration.hhi if concentration.status == "ok" else None,
        "hhi_band": concentration.hhi_band if concentration.status == "ok" else "not applicable",
        "express_test": express.label,
        "express_test_prev": _judged(express_prev),
        "express_test_year": _judged(express_year),
        "one_time_share": express.one_time_share,
        "regular_share": express.regular_share,
        "lost_share": getattr(express, "lost_share", None),
        "never_returned_share": getattr(express, "never_returned_share", None),
    }


def _judged(express) -> str | None:
    """Return an earlier express-test label, or None when that quarter's data could not answer."""
    if express is None or not getattr(express, "can_answer", True):
        return None
    return express.label


def _trend_share(trend: pd.DataFrame | None, quarter: pd.Period) -> float | None:
    """Return the top customer's share at ``quarter`` from the concentration trend, if shown."""
    if trend is None or "top_1_share" not in trend:
        return None
    rows = trend[trend["quarter"].astype(str) == str(quarter)]
    value = rows["top_1_share"].iloc[0] if len(rows) else None
    return None if value is None or not math.isfinite(value) else float(value)


def _tone_of_change(change: float | None) -> str:
    if change is None:
        return "neutral"
    return "good" if change >= 0.02 else "bad" if change <= -0.05 else "warn" if change < 0 else "neutral"


_NO_FIGURE = {
    ("revenue_12m", False): N_("No 12-month revenue to compare with in the previous quarter."),
    ("revenue_12m", True): N_("No 12-month revenue to compare with in the same quarter a year ago."),
    ("revenue_quarter", False): N_("No revenue to compare with in the previous quarter."),
    ("revenue_quarter", True): N_("No revenue to compare with in the same quarter a year ago."),
    ("active_customers", False): N_("No active customers to compare with in the previous quarter."),
    ("active_customers", True): N_("No active customers to compare with in the same quarter a year ago."),
}


def _change_text(change: float | None, *, key: str, year: bool = False) -> str:
    if change is None:
        return _(_NO_FIGURE[(key, year)])
    if abs(change) < 0.0005:  # "0.0%" either way: say it in words
        return _("Unchanged on the same quarter a year ago.") if year else _("Unchanged on the previous quarter.")
    if year:
        text = _("Up {pct} on the same quarter a year ago.") if change >= 0 else _("Down {pct} on the same quarter a year ago.")
    else:
        text = _("Up {pct} on the previous quarter.") if change >= 0 else _("Down {pct} on the previous quarter.")
    return text.format(pct=fmt_share(abs(change)))


def _both_changes(headline: dict, key: str, *, what: str) -> str:
    """Return 'Up x% on the previous quarter; down y% on a year ago.' for one figure."""
    first = _change_text(headline.get(f"{key}_change"), key=key)
    second = _change_text(headline.get(f"{key}_change_year"), key=key, year=True)
    return f"{first} {second}"


def _points_text(now: float | None, before: float | None, *, year: bool = False) -> str:
    if now is None or before is None:
        return _("No figure a year ago.") if year else _("No figure for the previous quarter.")
    points = 100.0 * (now - before)
    if abs(points) < 0.05:
        return _("Unchanged on the same quarter a year ago.") if year else _("Unchanged on the previous quarter.")
    if year:
        text = _("Up {n} points on the same quarter a year ago.") if points > 0 else _("Down {n} points on the same quarter a year ago.")
    else:
        text = _("Up {n} points on the previous quarter.") if points > 0 else _("Down {n} points on the previous quarter.")
    return text.format(n=fmt_number(abs(points), digits=1))


def _express_change(headline: dict) -> str:
    prev, year = headline.get("express_test_prev"), headline.get("express_test_year")
    return _("Previous quarter: {prev}; a year ago: {year}.").format(
        prev=verdict_label(prev), year=verdict_label(year)
    )


def headline_cards(headline: dict, *, currency: str, attention=None, labels=None,
                   dominant_share: float = 0.10) -> Html:
    """Render the 5 headline KPI cards, each with its change on the previous quarter and a year ago.

    When the largest customer is leaving (``attention``'s first declining row brings at least
    ``dominant_share`` of revenue), its card says the share falls because it leaves, and the
    express test's card that the test counts customers, not that customer's revenue.
    """
    from insights.reporting.dependency import label_of

    leaving = _dominant_decline(attention, dominant_share=dominant_share)
    leaving_name = label_of(leaving["customer_id"], labels) if leaving is not None else ""
    top1 = headline["top1_share"]
    express = headline["express_test"]
    express_tone = {"green": "good", "red": "bad"}.get(express.split(" ")[0], "warn")
    dependency_tone = "bad" if (top1 or 0) >= 0.3 else "warn" if (top1 or 0) >= 0.1 else "good"
    cards = [
        Card(
            _("Revenue, last 12 months"),
            fmt_money(headline["revenue_12m"], currency=currency),
            _("Net of returns.") + " " + _both_changes(headline, "revenue_12m", what="12-month revenue"),
            _tone_of_change(headline["revenue_12m_change"]),
        ),
        Card(
            _("Revenue this quarter"),
            fmt_money(headline["revenue_quarter"], currency=currency),
            _both_changes(headline, "revenue_quarter", what="revenue"),
            _tone_of_change(headline["revenue_quarter_change"]),
        ),
        Card(
            _("Active customers"),
            fmt_int(headline["active_customers"]),
            _("Bought within the lost-customer window.") + " "
            + _both_changes(headline, "active_customers", what="active customers"),
            _tone_of_change(headline["active_customers_change"]),
        ),
        Card(
            _("Largest customer's share"),
            fmt_share(top1),
            _("Share of 12-month revenue from the single biggest customer; revenue as a whole is {band}.").format(
                band=band_label(headline["hhi_band"])
            )
            + " "
            + _points_text(top1, headline.get("top1_share_prev"))
            + " "
            + _points_text(top1, headline.get("top1_share_year"), year=True)
            + (" " + _("It falls because {name} is leaving, not because revenue is spreading.").format(
                name=leaving_name) if leaving_name and _falling(top1, headline.get("top1_share_prev")) else ""),
            dependency_tone,
        ),
        Card(
            _("Express test"),
            verdict_label(express),
            _("One-time buyers are {one} of active customers, regulars {regular}; last year's "
              "active customers lost since: {lost}.").format(
                one=fmt_share(headline["one_time_share"]), regular=fmt_share(headline["regular_share"]),
                lost=fmt_share(headline.get("lost_share")),
            ) + " " + _express_change(headline)
            + (" " + _("It counts customers, not revenue: {name}'s decline is not in it.").format(
                name=leaving_name) if leaving_name else ""),
            express_tone if not leaving_name or express_tone == "bad" else "warn",
        ),
    ]
    return kpi_cards(cards)


def _falling(now: float | None, before: float | None) -> bool:
    return now is not None and before is not None and now < before


def build_summary(
    *,
    unit: str,
    quarter: pd.Period,
    as_of: pd.Timestamp,
    headline: dict,
    verdicts: dict,
    quality: dict,
    sources: list[dict],
    params: dict,
    sections: dict | None = None,
    attention: list[dict] | None = None,
    win_back: int | None = None,
) -> dict:
    """Return the JSON-ready summary the publisher turns into ``metadata.json``.

    Keys: unit, quarter, as_of, headline (figures; shares as fractions), verdicts (plain
    labels), data_quality (reconciliation), inputs (file fingerprints), params, sections
    (optional per-section figures), attention (the "needs attention" list:
    ``reporting.attention.attention_records``) and win_back (customers on the win-back list).
    """
    return _json_ready(
        {
            "unit": unit,
            "quarter": str(quarter),
            "as_of": f"{as_of:%Y-%m-%d}",
            "headline": headline,
            "verdicts": verdicts,
            "data_quality": quality,
            "inputs": sources,
            "params": params,
            "sections": sections or {},
            "attention": attention or [],
            "win_back_customers": win_back,
        }
    )


def _json_ready(value):
    """Return ``value`` with numpy/pandas scalars as Python ones and NaN as None."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}"
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def title_block(params, quarter: pd.Period, *, as_of: pd.Timestamp) -> Html:
    """Return the report's title: unit, its description (when set), quarter and as-of date.

    Every text from params is escaped.
    """
    from insights.reporting.core import escape_text

    title = params.report.title or _("{unit}: customer report").format(unit=label_code("unit", params.unit))
    about = params.description.strip()
    when = _("{quarter} · all figures as of {date}, the last day of the quarter; later transactions are ignored.")
    return Html(
        f'<h1 class="title">{escape_text(title)}</h1>'
        + (f'<p class="subtitle">{escape_text(about, max_length=300)}</p>' if about else "")
        + f'<p class="subtitle">{escape_text(when.format(quarter=fmt_quarter(quarter), date=fmt_date(as_of)))}</p>'
    )


def verdicts(headline: dict, *, express) -> dict:
    """Return the plain verdict labels carried into metadata.json and the index page."""
    top1 = headline["top1_share"]
    summary = (
        f"express test {headline['express_test']}; concentration {headline['hhi_band']}; "
        f"largest customer {fmt_share(top1)} of 12-month revenue"
    )
    return {
        "express_test": headline["express_test"],
        "express_test_reason": express.reason,
        "hhi_band": headline["hhi_band"],
        "summary": summary,
    }


def headline_facts(
    headline: dict,
    *,
    concentration,
    attention=None,
    managers=None,
    labels=None,
    currency: str = "RUB",
    manager_share: float = 0.5,
    dominant_share: float = 0.10,
) -> list[tuple[float, Html]]:
    """Return the unit's main facts as (money involved, sentence), largest money first.

    Facts: the first declining customer of the attention list when it brings at least
    ``dominant_share`` of revenue (params ``attention.exposure_min_share``; money: its
    stake), else all declining customers together; the
    largest account manager's exposure when it reaches ``manager_share`` (params
    ``attention.manager_share``; money: revenue that leaves with them), dependency
    on the largest customer (money: its 12-month revenue, from a 30% share) and the
    loss-makers (money: their stake on the attention list).
    """
    from insights.reporting.attention import decline_sentence
    from insights.reporting.core import sentence
    from insights.reporting.dependency import label_of
    from insights.reporting.dependency_words import scope_words

    facts: list[tuple[float, Html]] = []
    table = getattr(attention, "table", pd.DataFrame())
    declining = _declining(attention)
    row = _dominant_decline(attention, dominant_share=dominant_share)
    if row is not None:
        facts.append((float(row["at_stake"]), sentence(
            _("{name} ({share} of 12-month revenue) is buying far below its own run-rate."),
            name=label_of(row["customer_id"], labels), share=fmt_share(row["revenue_share"]),
        ) + Html(" ") + decline_sentence(row, currency=currency)))  # fmt: skip
    elif len(declining):
        facts.append((float(declining["at_stake"].sum()), sentence(
            ngettext("{n} customer is buying far below its own run-rate ({money} at stake; the largest "
                     "is {name}).", "{n} customers are buying far below their own run-rate ({money} at stake; the largest "
            "is {name}).", len(declining)), n=fmt_int(len(declining)),
            money=fmt_money(declining["at_stake"].sum(), currency=currency),
            name=label_of(declining["customer_id"].iloc[0], labels),
        )))  # fmt: skip
    largest = dict(getattr(managers, "largest", {}) or {})
    if largest.get("at_risk_share") is not None and largest["at_risk_share"] >= manager_share:
        same = row is not None and str(row.get("account_manager")) == str(largest["account_manager"])
        facts.append((float(largest.get("revenue_at_risk") or 0.0), sentence(
            _("Key-person exposure: one account manager, {name}, handles customers bringing {share} "
              "of revenue ({money}); they could follow the manager out."),
            name=largest["account_manager"], share=fmt_share(largest["at_risk_share"]),
            money=fmt_money(largest.get("revenue_at_risk"), currency=currency),
        ) + (Html(" ") + sentence(_("That share includes {client}, the customer who is leaving."),
                                  client=label_of(row["customer_id"], labels)) if same else Html(""))))  # fmt: skip
    top1 = headline["top1_share"]
    if top1 is not None and top1 >= 0.3:
        facts.append((top1 * concentration.total_revenue, sentence(
            _("Revenue depends heavily on one customer: it brings {share} of {scope} 12-month revenue."),
            share=fmt_share(top1), scope=scope_words(),
        )))  # fmt: skip
    losers = table[table["reasons"].map(lambda r: "loss_maker" in r)] if len(table) else table
    if len(losers):
        facts.append((float(losers["at_stake"].sum()), sentence(
            ngettext("{n} customer costs more than it brings after discounts and cost ({money} of revenue).",
                     "{n} customers cost more than they bring after discounts and cost ({money} of revenue).", len(losers)),
            n=fmt_int(len(losers)), money=fmt_money(losers["at_stake"].sum(), currency=currency),
        )))  # fmt: skip
    first = facts[:1] if row is not None else []  # a dominant client leaving always leads
    return first + sorted(facts[len(first):], key=lambda fact: -fact[0])


def _declining(attention) -> pd.DataFrame:
    """Return the attention list's rows with the "declining" reason, largest stake first."""
    table = getattr(attention, "table", pd.DataFrame())
    return table[table["reasons"].map(lambda r: "declining" in r)] if len(table) else table


def _dominant_decline(attention, *, dominant_share: float):
    """Return the first declining row when it brings at least ``dominant_share`` of revenue."""
    declining = _declining(attention)
    if len(declining) and declining["revenue_share"].iloc[0] >= dominant_share:
        return declining.iloc[0]
    return None


def describe_headline(
    headline: dict,
    *,
    express,
    concentration,
    attention=None,
    managers=None,
    labels=None,
    currency: str = "RUB",
    manager_share: float = 0.5,
    dominant_share: float = 0.10,
) -> Html:
    """Return the verdict under the cards: the three main facts by money at stake, then the test.

    The facts are ``headline_facts``; without any (no warning signs, no dependency) the
    sentence says how spread the revenue is. A green express test next to a dominant
    customer in decline says that the test counts customers, not revenue.
    """
    from insights.reporting.core import paragraph, sentence
    from insights.reporting.dependency import label_of

    facts = headline_facts(headline, concentration=concentration, attention=attention,
                           managers=managers, labels=labels, currency=currency,
                           manager_share=manager_share, dominant_share=dominant_share)  # fmt: skip
    parts = [text for _money, text in facts[:3]]
    top1 = headline["top1_share"]
    if not parts and top1 is not None:
        parts.append(
            sentence(
                _("Revenue is spread over many customers (the largest brings {share}; {band})."),
                share=fmt_share(top1),
                band=band_label(headline["hhi_band"]),
            )
        )
    from insights.reporting.behaviour import express_reason

    parts.append(sentence(_("Express test: {label}. {reason}"), label=verdict_label(express.label),
                          reason=express_reason(express)))
    leaving = _dominant_decline(attention, dominant_share=dominant_share)
    if express.verdict == "green" and leaving is not None:  # green counts heads, not money
        parts.append(sentence(
            _("The express test counts customers, not revenue: its green does not cover {name}, "
              "who brings {share} of revenue and is buying far below its own run-rate."),
            name=label_of(leaving["customer_id"], labels), share=fmt_share(leaving["revenue_share"])))
    change = headline["revenue_quarter_change"]
    if change is not None:
        parts.append(
            sentence(
                _("Quarterly revenue is up {pct} on the previous quarter.") if change >= 0
                else _("Quarterly revenue is down {pct} on the previous quarter."),
                pct=fmt_share(abs(change)),
            )
        )
    return paragraph(*parts)


def section_figures(
    *,
    concentration,
    stress: pd.DataFrame,
    trend: pd.DataFrame,
    managers,
    clusters,
    clv_result,
    lifecycle: pd.DataFrame,
) -> dict:
    """Return each section's key figures for ``metadata.json`` (shares as fractions).

    Keys: ``concentration`` (top shares, HHI, band, Gini, effective number),
    ``stress_test`` (share of revenue left and verdict per top-N), ``trend_quarters``
    (quarters the concentration trend reaches back), ``key_person`` (largest manager's
    revenue share, share at risk and verdict; the manager is an employee, not a customer),
    ``lifecycle`` (customers per segment), ``clusters`` (status, k, names, stability) and
    ``clv`` (status and reason).
    """
    largest = dict(getattr(managers, "largest", {}) or {})
    return {
        "concentration": {
            "status": concentration.status,
            "top_shares": {str(k): v for k, v in concentration.top_shares.items()},
            "hhi": concentration.hhi,
            "hhi_band": concentration.hhi_band,
            "gini": concentration.gini,
            "effective_number": concentration.effective_number,
        },
        "stress_test": [
            {"top_n": int(r.top_n), "share_left": float(r.share_left), "verdict": r.verdict}
            for r in stress.itertuples()
        ],
        "trend_quarters": int(trend["hhi"].notna().sum()) if "hhi" in trend else 0,
        "key_person": {
            "status": managers.status,
            "account_manager": largest.get("account_manager"),
            "revenue_share": largest.get("revenue_share"),
            "at_risk_share": largest.get("at_risk_share"),
            "verdict": largest.get("verdict"),
        },
        "lifecycle": {str(r.segment): int(r.customers) for r in lifecycle.itertuples()},
        "clusters": {
            "status": clusters.status,
            "k": clusters.k,
            "names": sorted(set(clusters.labels["cluster_name"].drop_duplicates().tolist()))
            if clusters.ok else [],
            "stability_mean_ari": clusters.stability_mean,
            "is_stable": clusters.is_stable,
        },
        "clv": {"status": clv_result.status, "reason": clv_result.reason, "model": clv_result.model},
    }
