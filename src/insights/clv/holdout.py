"""Calibration/holdout validation of the purchase model (Fader, Hardie & Lee 2005, section 4)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from insights.clv.bgnbd import BgNbdFit, Variant, expected_purchases, fit_bgnbd
from insights.clv.guard import ClvAssessment, assess_clv_data, choose_model
from insights.periods import TimeUnit
from insights.schema import require_columns

#: Calibration frequencies 0..6 shown one by one, 7 and more pooled (as in the paper's plot).
TOP_FREQUENCY_BIN = 7


@dataclass(frozen=True)
class HoldoutResult:
    """Predicted against actual repeat purchases in a holdout window.

    ``customers``: ``customer_id``, ``frequency`` (calibration), ``predicted``, ``actual``;
    ``by_frequency``: per calibration frequency (``"7+"`` pooled) the customers and the mean
    predicted and actual holdout purchases. ``status`` is ``"ok"`` or ``"not_applicable"``
    (then ``reason`` says why and the frames are empty).
    """

    status: str
    reason: str
    calibration_end: pd.Timestamp
    holdout_end: pd.Timestamp
    duration: float
    time_unit: str
    fit: BgNbdFit | None
    customers: pd.DataFrame
    by_frequency: pd.DataFrame
    total_predicted: float = float("nan")
    total_actual: float = float("nan")
    mean_absolute_error: float = float("nan")

    @property
    def total_error_share(self) -> float:
        """Return (total predicted - total actual) / total actual (NaN when no actual)."""
        if not self.total_actual:
            return float("nan")
        return (self.total_predicted - self.total_actual) / self.total_actual


def validate_holdout(
    summary: pd.DataFrame,
    *,
    calibration_end,
    holdout_end,
    time_unit: TimeUnit = "week",
    model: str = "bgnbd",
    min_repeat_buyers: int = 30,
    min_history_days: int = 180,
) -> HoldoutResult:
    """Fit on the calibration window and compare predicted with actual holdout purchases.

    Customers first seen up to ``calibration_end`` are fitted on their calibration purchases;
    each one's conditional expectation ``E[Y(t) | x, t_x, T]`` for the holdout length ``t``
    is compared with the repeat purchase days actually made in ``(calibration_end,
    holdout_end]``. Error figures: total predicted vs total actual, and the mean absolute
    error per customer (Fader, Hardie & Lee 2005, "Counting your customers the easy way",
    section 4, do the same on CDNOW).

    Parameters
    ----------
    summary : DataFrame
        ``features.purchases.summarize_purchases(tx, as_of=holdout_end,
        calibration_end=calibration_end)``: the calibration summary with
        ``frequency_holdout``.
    calibration_end, holdout_end : date-like
        The calibration window ends (inclusive) at ``calibration_end``; the holdout is the
        rest up to ``holdout_end``.
    time_unit : {"week", "day"}
        Time unit of the model.
    model : {"bgnbd", "mbgnbd", "auto"}
        Purchase model; ``"auto"`` as in ``choose_model``.
    min_repeat_buyers, min_history_days : int
        Guardrails applied to the calibration window (``assess_clv_data``).

    Returns
    -------
    HoldoutResult
    """
    require_columns(
        summary, ["customer_id", "frequency", "recency", "T", "frequency_holdout"],
        where="validate_holdout",
    )
    cal_end, end = pd.Timestamp(calibration_end).normalize(), pd.Timestamp(holdout_end).normalize()
    if end <= cal_end:
        raise ValueError(
            f"holdout_end {end.date()} must be after calibration_end {cal_end.date()}."
        )
    duration = float((end - cal_end).days) / (7.0 if time_unit == "week" else 1.0)
    assessment = assess_clv_data(
        summary,
        min_repeat_buyers=min_repeat_buyers,
        min_history_days=min_history_days,
        time_unit=time_unit,
        window="calibration window",
    )
    fit = fit_bgnbd(summary, variant=choose_model(summary, model)) if assessment.ok else None
    if fit is not None and not fit.converged:
        assessment = ClvAssessment.not_applicable(
            "the purchase model did not converge on the calibration window", summary
        )
    if fit is None or not assessment.ok:  # fit is None exactly when the data failed the guardrails
        return HoldoutResult(
            "not_applicable",
            assessment.reason,
            cal_end,
            end,
            duration,
            time_unit,
            None,
            _empty_customers(),
            _empty_bins(),
        )
    predicted = expected_purchases(
        fit, duration, summary["frequency"], summary["recency"], summary["T"]
    )
    customers = pd.DataFrame(
        {
            "customer_id": summary["customer_id"],
            "frequency": summary["frequency"],
            "predicted": predicted,
            "actual": summary["frequency_holdout"].astype(float),
        }
    )
    return HoldoutResult(
        "ok",
        "",
        cal_end,
        end,
        duration,
        time_unit,
        fit,
        customers,
        aggregate_by_frequency(customers),
        total_predicted=float(customers["predicted"].sum()),
        total_actual=float(customers["actual"].sum()),
        mean_absolute_error=float((customers["predicted"] - customers["actual"]).abs().mean()),
    )


def aggregate_by_frequency(customers: pd.DataFrame) -> pd.DataFrame:
    """Return mean predicted and actual holdout purchases per calibration frequency.

    Frequencies 0..6 are kept, 7 and more pooled as ``"7+"``; columns ``frequency`` (str),
    ``customers``, ``predicted``, ``actual``.
    """
    capped = np.minimum(customers["frequency"].to_numpy(), TOP_FREQUENCY_BIN)
    grouped = customers.assign(bin=capped).groupby("bin", sort=True)
    table = grouped.agg(
        customers=("customer_id", "size"),
        predicted=("predicted", "mean"),
        actual=("actual", "mean"),
    ).reset_index()
    labels = [f"{TOP_FREQUENCY_BIN}+" if b == TOP_FREQUENCY_BIN else str(b) for b in table["bin"]]
    return table.drop(columns="bin").assign(frequency=labels)[
        ["frequency", "customers", "predicted", "actual"]
    ]


def _empty_customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": pd.array([], dtype="string"),
            "frequency": np.array([], dtype=np.int64),
            "predicted": np.array([], dtype=float),
            "actual": np.array([], dtype=float),
        }
    )


def _empty_bins() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "frequency": pd.array([], dtype="string"),
            "customers": np.array([], dtype=np.int64),
            "predicted": np.array([], dtype=float),
            "actual": np.array([], dtype=float),
        }
    )


MODEL_NAMES: dict[Variant, str] = {"bgnbd": "BG/NBD", "mbgnbd": "MBG/NBD"}


def choose_model_by_holdout(holdouts: dict[Variant, HoldoutResult], *,
                            fallback: Variant) -> tuple[Variant, str]:
    """Pick the purchase model with the smaller holdout error, and say which and why.

    ``holdouts`` maps a model ("bgnbd", "mbgnbd") to its ``validate_holdout`` result. The
    model with the lower mean absolute error per customer wins (ties: BG/NBD, the simpler
    one). When no holdout could be run, ``fallback`` (``guard.choose_model``'s rule) is used
    and the sentence says so.

    Returns
    -------
    tuple of str
        The model and one plain sentence.
    """
    errors = {
        m: h.mean_absolute_error
        for m, h in holdouts.items()
        if h.status == "ok" and np.isfinite(h.mean_absolute_error)
    }
    if not errors:
        return fallback, (
            f"{MODEL_NAMES[fallback]} was chosen by the share of one-time buyers: no holdout "
            "window could compare the models."
        )
    best = min(sorted(errors), key=lambda m: (errors[m], m != "bgnbd"))
    failed = sorted(m for m, h in holdouts.items() if h.status == "ok" and m not in errors)
    if failed:  # a degenerate fit (e.g. a and b in the thousands) predicts no finite number
        return best, (
            f"{MODEL_NAMES[best]} was chosen: {MODEL_NAMES[failed[0]]} gave no finite prediction "
            f"for the holdout quarters (its fit degenerated), so the models could not be compared "
            f"(mean absolute error per customer of {MODEL_NAMES[best]}: {errors[best]:.3f})."
        )
    shown = "; ".join(f"{MODEL_NAMES[m]} {errors[m]:.3f}" for m in sorted(errors))
    return best, (
        f"{MODEL_NAMES[best]} was chosen because it predicted the holdout quarters better "
        f"(mean absolute error per customer: {shown})."
    )
