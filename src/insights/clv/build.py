"""Lifetime value: repeat-purchase probability, expected purchases, spend and discounted CLV.

The models are BG/NBD (Fader, Hardie & Lee 2005) or MBG/NBD (Batislam et al. 2007) for the
purchase process and Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV") for spend, fitted
by our own maximum-likelihood code (``insights.clv.bgnbd``; the README's design notes say
why). ``build_clv`` is the one call the notebook makes; the pieces are public for analysts.
Where the data cannot support the models the result says so in a plain sentence, and the
historical lifetime revenue against first purchase is still returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from insights.clv.bgnbd import (
    BgNbdFit,
    Variant,
    bgnbd_log_likelihood,
    expected_purchases,
    expected_purchases_if_alive,
    expected_purchases_new,
    fit_bgnbd,
    fit_mbgnbd,
    probability_alive,
)
from insights.clv.data import ClvData, summarize_base_value, summarize_lifetime_by_purchases
from insights.clv.gamma_gamma import (
    GammaGammaFit,
    expected_average_spend,
    fit_gamma_gamma,
    gamma_gamma_log_likelihood,
)
from insights.clv.guard import (
    ClvAssessment,
    SpendIndependence,
    assess_clv_data,
    check_spend_independence,
    choose_model,
)
from insights.clv.holdout import (
    MODEL_NAMES,
    HoldoutResult,
    aggregate_by_frequency,
    choose_model_by_holdout,
    validate_holdout,
)
from insights.clv.value import discounted_lifetime_value, score_customers
from insights.params import ClvParams
from insights.schema import lookup_by_id, require_columns

__all__ = [
    "BgNbdFit",
    "ClvAssessment",
    "ClvData",
    "ClvResult",
    "GammaGammaFit",
    "HoldoutResult",
    "SpendIndependence",
    "aggregate_by_frequency",
    "assess_clv_data",
    "bgnbd_log_likelihood",
    "build_clv",
    "check_spend_independence",
    "choose_model",
    "discounted_lifetime_value",
    "expected_average_spend",
    "expected_purchases",
    "expected_purchases_if_alive",
    "expected_purchases_new",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "fit_mbgnbd",
    "gamma_gamma_log_likelihood",
    "list_valuable_at_risk",
    "probability_alive",
    "score_customers",
    "summarize_base_value",
    "summarize_clv_by",
    "summarize_lifetime_by_purchases",
    "validate_holdout",
]


@dataclass(frozen=True)
class ClvResult:
    """Everything the lifetime-value section needs.

    ``customers``: one row per customer (``summarize_purchases`` columns, plus ``p_alive``,
    ``expected_purchases``, ``expected_spend``, ``expected_revenue``, ``clv`` when
    ``status == "ok"``). ``lifetime``: historical lifetime revenue against first purchase
    (``summarize_lifetime_revenue``), present whatever the status. ``notes``: plain
    sentences about choices made (model, margin).
    """

    status: str
    reason: str
    as_of: pd.Timestamp
    time_unit: str
    horizon_months: int
    model: str
    assessment: ClvAssessment
    customers: pd.DataFrame
    lifetime: pd.DataFrame
    fit: BgNbdFit | None = None
    spend_fit: GammaGammaFit | None = None
    independence: SpendIndependence | None = None
    holdout: HoldoutResult | None = None
    margin_share: float = 1.0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """Return True when the models were fitted and customers scored."""
        return self.status == "ok"


def build_clv(data: ClvData, *, params: ClvParams) -> ClvResult:
    """Fit the purchase and spend models as of ``data.as_of`` and score every customer.

    Steps: ``assess_clv_data`` on ``data.summary`` -> ``fit_bgnbd`` (model from the
    params, or for "auto" the one with the smaller holdout error, ``choose_model_by_holdout``;
    ``choose_model``'s one-time-buyer rule when no holdout can be run) and
    ``fit_gamma_gamma`` -> ``score_customers`` over ``params.horizon_months``;
    ``validate_holdout`` on ``data.holdout`` (the last ``params.holdout_quarters`` quarters
    held out); ``data.lifetime`` in every case. ``insights.steps.clv_data`` builds ``data``
    from transactions with ``insights.features.purchases``.

    Parameters
    ----------
    data : ClvData
        Per-customer purchase frames for the report date, in ``params.time_unit``.
    params : ClvParams
        The unit's ``clv`` params.

    Returns
    -------
    ClvResult
        ``status`` "ok" or "not_applicable" (with ``reason``, a plain sentence).
    """
    as_of, summary = pd.Timestamp(data.as_of).normalize(), data.summary
    require_columns(summary, ["customer_id", "frequency", "recency", "T", "monetary_value"],
                    where="build_clv")
    assessment = assess_clv_data(
        summary,
        min_repeat_buyers=params.min_repeat_buyers,
        min_history_days=params.min_history_days,
        time_unit=params.time_unit,
    )
    model = choose_model(summary, params.model)
    base = {
        "as_of": as_of,
        "time_unit": params.time_unit,
        "horizon_months": params.horizon_months,
        "model": model,
        "assessment": assessment,
        "customers": summary,
        "lifetime": data.lifetime,
    }
    if not assessment.ok:
        return ClvResult("not_applicable", assessment.reason, **base)
    model, holdout, choice = _choose(data, params, summary)
    base["model"] = model
    fit, spend_fit, failed = _fit_models(summary, model)
    if failed:
        return ClvResult("not_applicable", failed, **base, fit=fit, spend_fit=spend_fit)
    margin, margin_note = _margin(data, params)
    scored = score_customers(
        fit,
        spend_fit,
        summary,
        horizon_months=params.horizon_months,
        annual_discount_rate=params.annual_discount_rate,
        margin_share=margin,
        time_unit=params.time_unit,
    )
    return ClvResult(
        "ok",
        "",
        **{**base, "customers": scored},
        fit=fit,
        spend_fit=spend_fit,
        independence=check_spend_independence(summary),
        holdout=holdout,
        margin_share=margin,
        notes=(choice, _model_note(model, assessment), margin_note),
    )


def _fit_models(summary: pd.DataFrame, model: Variant):
    """Fit both models; return (fit, spend_fit, '') or a plain sentence when unusable."""
    fit = fit_bgnbd(summary, variant=model)
    if not fit.converged:
        reason = "The purchase model's fit did not converge on this data"
        return fit, None, f"{reason}, so lifetime value is not estimated."
    if not ((summary["frequency"] > 0) & (summary["monetary_value"] > 0)).any():
        reason = "No repeat buyer has a positive spend after returns"
        return fit, None, f"{reason}, so lifetime value is not estimated."
    spend_fit = fit_gamma_gamma(summary)
    if not spend_fit.converged or spend_fit.q <= 1.0:
        reason = (
            "The spend model's fit did not converge to a usable result on this data "
            "(spend per purchase varies too erratically)"
        )
        return fit, spend_fit, f"{reason}, so lifetime value is not estimated."
    return fit, spend_fit, ""


def _margin(data: ClvData, params: ClvParams) -> tuple[float, str]:
    """Return the margin share to apply and a sentence saying where it came from."""
    if params.margin_share is not None:
        return (
            params.margin_share,
            f"Lifetime value is margin: revenue x {params.margin_share:.0%} (params).",
        )
    share, source = data.margin_share, data.margin_source
    if share is None:
        return 1.0, f"Lifetime value is in revenue, not margin: {source}."
    share = min(max(share, 0.0), 1.0)
    return share, f"Lifetime value is margin: revenue x {share:.0%}, from {source}."


def _model_note(model: str, assessment: ClvAssessment) -> str:
    name = "MBG/NBD" if model == "mbgnbd" else "BG/NBD"
    note = (
        f"Purchases are modelled with {name}; {assessment.one_time_share:.0%} of customers "
        "have bought only once."
    )
    if model == "bgnbd" and assessment.one_time_share > 0:
        note += (
            " BG/NBD lets a customer stop buying only after a repeat purchase, so it counts "
            "every one-time buyer as still active (P(alive) 100%) and values them by their low "
            "purchase rate; clv.model: mbgnbd lets them leave at once, and is used by default "
            "where one-time buyers are the majority."
        )
    return note


def _choose(data: ClvData, params: ClvParams,
            summary: pd.DataFrame) -> tuple[Variant, HoldoutResult, str]:
    """Return (model, its holdout, a sentence on the choice): "auto" picks by holdout error."""
    if params.model != "auto":
        model = params.model
        return model, _holdout(data, params, model=model), (
            f"{MODEL_NAMES[model]} is set in the params (clv.model)."
        )
    holdouts = {m: _holdout(data, params, model=m) for m in MODEL_NAMES}
    model, why = choose_model_by_holdout(holdouts, fallback=choose_model(summary, "auto"))
    return model, holdouts[model], why


def _holdout(data: ClvData, params: ClvParams, *, model: str) -> HoldoutResult:
    """Validate on the last ``holdout_quarters`` quarters (3 months each) before ``as_of``."""
    return validate_holdout(
        data.holdout,
        calibration_end=data.calibration_end,
        holdout_end=data.as_of,
        time_unit=params.time_unit,
        model=model,
        min_repeat_buyers=params.min_repeat_buyers,
        min_history_days=params.min_history_days,
    )


def summarize_clv_by(result: ClvResult, groups: pd.DataFrame, *, column: str) -> pd.DataFrame:
    """Return the expected value of the base over the horizon per group (segment, cluster).

    ``groups`` has ``customer_id`` and ``column``; customers without a group are counted as
    "unassigned". Columns: ``column``, ``customers``, ``mean_p_alive`` (over the group's
    repeat buyers only: a one-time buyer's P(alive) is no evidence of activity; NaN without
    any), ``expected_purchases``, ``expected_revenue``, ``clv``, ``clv_share`` (of the total);
    largest ``clv`` first. Empty when ``result`` is not ok.
    """
    require_columns(groups, ["customer_id", column], where="summarize_clv_by")
    if not result.ok:
        return pd.DataFrame(
            columns=[
                column,
                "customers",
                "mean_p_alive",
                "expected_purchases",
                "expected_revenue",
                "clv",
                "clv_share",
            ]
        )
    labels = groups.assign(customer_id=groups["customer_id"].astype("string"))
    labels = labels.drop_duplicates("customer_id").set_index("customer_id")[column]
    frame = result.customers.assign(  # ids hashed by Arrow, not as Python strings
        **{column: lookup_by_id(result.customers["customer_id"], labels).to_numpy()}
    )
    frame[column] = frame[column].astype(object).where(frame[column].notna(), "unassigned")
    frame["p_alive"] = frame["p_alive"].where(frame["frequency"] > 0)
    table = (
        frame.groupby(column, sort=False)
        .agg(
            customers=("customer_id", "size"),
            mean_p_alive=("p_alive", "mean"),
            expected_purchases=("expected_purchases", "sum"),
            expected_revenue=("expected_revenue", "sum"),
            clv=("clv", "sum"),
        )
        .reset_index()
    )
    total = table["clv"].sum()
    table["clv_share"] = table["clv"] / total if total else np.nan
    return table.sort_values("clv", ascending=False, ignore_index=True)


def list_valuable_at_risk(
    result: ClvResult, *, top_share: float = 0.2, top_n: int = 10
) -> pd.DataFrame:
    """Return the valuable customers most likely to be lost.

    Valuable: the top ``top_share`` of customers by historical lifetime revenue; among
    them the ``top_n`` with the lowest P(alive), with ``lifetime_revenue``, ``p_alive``,
    ``clv`` and ``days_since_last_purchase``. Empty when ``result`` is not ok.
    """
    columns = ["customer_id", "lifetime_revenue", "p_alive", "clv", "days_since_last_purchase"]
    if not result.ok or result.lifetime.empty:
        return pd.DataFrame(columns=columns)
    merged = result.customers[["customer_id", "p_alive", "clv"]].merge(
        result.lifetime[["customer_id", "lifetime_revenue", "last_purchase_date"]],
        on="customer_id",
        how="inner",
    )
    cutoff = merged["lifetime_revenue"].quantile(1.0 - top_share)
    valuable = merged.loc[merged["lifetime_revenue"] >= cutoff]
    valuable = valuable.assign(
        days_since_last_purchase=(result.as_of - valuable["last_purchase_date"]).dt.days
    )
    ranked = valuable.sort_values(["p_alive", "lifetime_revenue"], ascending=[True, False])
    return ranked.head(top_n)[columns].reset_index(drop=True)


def p_alive_by_customer(result: ClvResult) -> pd.Series | None:
    """Return P(alive) as a Series indexed by customer_id, or None when the model does not apply.

    This is the "repeat likelihood" the key-customer score and the at-risk list take.
    """
    if not result.ok or result.customers.empty:
        return None
    return result.customers.set_index("customer_id")["p_alive"].astype("float64")
