"""The report's top: KPI cards with one plain sentence each, and the machine-readable summary.

``summarize_headline`` computes the headline figures from analysis results (shares as
fractions); ``headline_cards`` turns them into cards; ``build_summary`` assembles what
``metadata.json`` and the index page carry.
"""

from __future__ import annotations

import math

import pandas as pd

from insights.reporting.core import Card, Html, fmt_int, fmt_money, fmt_share, kpi_cards


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
) -> dict:
    """Return the headline figures: revenue, active customers, top-1 share, express test.

    Active customers are those whose lifecycle segment is not "lost" (the same definition
    the express test uses). Changes are relative to the previous quarter's end; shares are
    fractions.
    """
    revenue_q, revenue_prev_q = quarter_revenue(activity, quarter)
    active_now = int((segments_now["segment"].astype(str) != "lost").sum())
    active_prev = int((segments_prev["segment"].astype(str) != "lost").sum())
    revenue_12m = float(features_now["revenue_12m"].sum())
    revenue_12m_prev = float(features_prev["revenue_12m"].sum()) if len(features_prev) else 0.0
    return {
        "revenue_12m": revenue_12m,
        "revenue_12m_change": _change(revenue_12m, revenue_12m_prev),
        "revenue_quarter": revenue_q,
        "revenue_quarter_change": _change(revenue_q, revenue_prev_q),
        "active_customers": active_now,
        "active_customers_change": _change(active_now, active_prev),
        "top1_share": concentration.top_shares.get(1) if concentration.status == "ok" else None,
        "hhi": concentration.hhi if concentration.status == "ok" else None,
        "hhi_band": concentration.hhi_band if concentration.status == "ok" else "not applicable",
        "express_test": express.label,
        "one_time_share": express.one_time_share,
        "regular_share": express.regular_share,
    }


def _tone_of_change(change: float | None) -> str:
    if change is None:
        return "neutral"
    return "good" if change >= 0.02 else "bad" if change <= -0.05 else "warn" if change < 0 else "neutral"


def _change_text(change: float | None, *, what: str, against: str = "the previous quarter") -> str:
    if change is None:
        return f"No {what} to compare with in the previous quarter."
    direction = "up" if change >= 0 else "down"
    return f"{direction.capitalize()} {fmt_share(abs(change))} on {against}."


def headline_cards(headline: dict, *, currency: str) -> Html:
    """Render the 5 headline KPI cards, each with one plain sentence."""
    top1 = headline["top1_share"]
    express = headline["express_test"]
    express_tone = {"green": "good", "red": "bad"}.get(express.split(" ")[0], "warn")
    dependency_tone = "bad" if (top1 or 0) >= 0.3 else "warn" if (top1 or 0) >= 0.1 else "good"
    cards = [
        Card(
            "Revenue, last 12 months",
            fmt_money(headline["revenue_12m"], currency=currency),
            "Net of returns. "
            + _change_text(
                headline["revenue_12m_change"],
                what="12-month revenue",
                against="the 12 months to the previous quarter's end",
            ),
            _tone_of_change(headline["revenue_12m_change"]),
        ),
        Card(
            "Revenue this quarter",
            fmt_money(headline["revenue_quarter"], currency=currency),
            _change_text(headline["revenue_quarter_change"], what="revenue"),
            _tone_of_change(headline["revenue_quarter_change"]),
        ),
        Card(
            "Active customers",
            fmt_int(headline["active_customers"]),
            "Bought within the lost-customer window. "
            + _change_text(headline["active_customers_change"], what="active customers"),
            _tone_of_change(headline["active_customers_change"]),
        ),
        Card(
            "Largest customer's share",
            fmt_share(top1),
            f"Share of 12-month revenue from the single biggest customer; the customer base "
            f"is {headline['hhi_band']} (HHI band).",
            dependency_tone,
        ),
        Card(
            "Express test",
            express.upper(),
            f"One-time buyers are {fmt_share(headline['one_time_share'])} of active customers, "
            f"regulars {fmt_share(headline['regular_share'])}.",
            express_tone,
        ),
    ]
    return kpi_cards(cards)


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
) -> dict:
    """Return the JSON-ready summary the publisher turns into ``metadata.json``.

    Keys: unit, quarter, as_of, headline (figures; shares as fractions), verdicts (plain
    labels), data_quality (reconciliation), inputs (file fingerprints), params, sections
    (optional per-section figures).
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

    title = params.report.title or f"{params.unit.replace('_', ' ').title()}: customer report"
    about = params.description.strip()
    return Html(
        f'<h1 class="title">{escape_text(title)}</h1>'
        + (f'<p class="subtitle">{escape_text(about, max_length=300)}</p>' if about else "")
        + f'<p class="subtitle">Quarter {escape_text(str(quarter))} · all figures as of '
        f"{as_of:%d %B %Y}, the last day of the quarter; later transactions are ignored.</p>"
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


def describe_headline(headline: dict, *, express, concentration) -> Html:
    """Return the one-paragraph verdict under the cards: what matters most this quarter."""
    from insights.reporting.core import paragraph, sentence

    parts = []
    top1 = headline["top1_share"]
    if top1 is not None and top1 >= 0.3:
        parts.append(
            sentence(
                "The unit depends heavily on one customer: it brings {share} of 12-month revenue.",
                share=fmt_share(top1),
            )
        )
    elif top1 is not None:
        parts.append(
            sentence(
                "Revenue is spread over many customers (the largest brings {share}; {band}).",
                share=fmt_share(top1),
                band=headline["hhi_band"],
            )
        )
    parts.append(sentence("Express test: {label}. {reason}", label=express.label.upper(), reason=express.reason))
    change = headline["revenue_quarter_change"]
    if change is not None:
        parts.append(
            sentence(
                "Quarterly revenue is {dir} {pct} on the previous quarter.",
                dir="up" if change >= 0 else "down",
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
            "names": sorted(set(clusters.labels["cluster_name"])) if clusters.ok else [],
            "stability_mean_ari": clusters.stability_mean,
            "is_stable": clusters.is_stable,
        },
        "clv": {"status": clv_result.status, "reason": clv_result.reason, "model": clv_result.model},
    }
