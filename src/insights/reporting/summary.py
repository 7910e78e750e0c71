"""The report's machine-readable summary: what ``metadata.json`` and the index page carry.

``build_summary`` assembles it from the headline figures (``reporting.headline``), the
plain ``verdicts`` and each section's key figures (``section_figures``); every value is made
JSON-ready (Python scalars, NaN as None). ``pipeline.report_artifacts`` calls it for the
notebook's last cell.
"""

from __future__ import annotations

import math

import pandas as pd

from insights.reporting.core import fmt_share


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
