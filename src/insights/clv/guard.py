"""Guardrails for lifetime value: can the data support the models, which model, and the
Gamma-Gamma independence assumption."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from insights.clv.bgnbd import Variant
from insights.clv.data import unit_days

#: "auto" uses MBG/NBD when one-time buyers are more than this share of the customers.
ONE_TIME_DOMINANCE = 0.5

#: |Pearson correlation| of frequency and spend above which Gamma-Gamma's assumption is doubtful.
INDEPENDENCE_THRESHOLD = 0.3


@dataclass(frozen=True)
class ClvAssessment:
    """Whether the data can support BG/NBD + Gamma-Gamma, with a plain reason when not."""

    status: str  # "ok" or "not_applicable"
    reason: str
    n_customers: int
    n_repeat_buyers: int
    one_time_share: float
    history_days: float

    @property
    def ok(self) -> bool:
        """Return True when the models can be fitted."""
        return self.status == "ok"

    @classmethod
    def not_applicable(cls, reason: str, summary: pd.DataFrame, time_unit: str = "week"):
        """Return a not-applicable assessment with ``reason`` and the summary's counts."""
        counts = _counts(summary, time_unit)
        return cls("not_applicable", reason, *counts)


def _counts(summary: pd.DataFrame, time_unit: str) -> tuple[int, int, float, float]:
    n = len(summary)
    repeat = int((summary["frequency"] > 0).sum())
    history = float(summary["T"].max()) * unit_days(time_unit) if n else 0.0
    return n, repeat, (n - repeat) / n if n else float("nan"), history


def assess_clv_data(
    summary: pd.DataFrame,
    *,
    min_repeat_buyers: int = 30,
    min_history_days: int = 180,
    time_unit: str = "week",
    window: str = "data",
) -> ClvAssessment:
    """Check that a purchase summary can support the lifetime-value models.

    Not applicable when there are no customers, when the oldest customer's age (the longest
    history) is below ``min_history_days``, or when fewer than ``min_repeat_buyers``
    customers bought more than once (Gamma-Gamma is fitted on them, and BG/NBD learns the
    purchase rate and dropout from them).

    Parameters
    ----------
    summary : DataFrame
        From ``summarize_purchases`` (``frequency``, ``T``).
    min_repeat_buyers, min_history_days : int
        Thresholds (params ``clv``).
    time_unit : {"week", "day"}
        Unit of ``T`` in the summary.
    window : str
        How the sentence names the data ("data", "calibration window").

    Returns
    -------
    ClvAssessment
        ``status`` "ok" or "not_applicable" with a plain-language ``reason``.
    """
    n, repeat, one_time, history = _counts(summary, time_unit)
    reason = ""
    if n == 0:
        reason = f"There are no customers in the {window}, so lifetime value cannot be estimated."
    elif history < min_history_days:
        reason = (
            f"The {window} covers only {history:.0f} days of customer history and the models "
            f"need at least {min_history_days}, so lifetime value is not estimated."
        )
    elif repeat < min_repeat_buyers:
        reason = (
            f"Only {repeat} of {n} customers in the {window} bought more than once and the "
            f"models need at least {min_repeat_buyers}, so lifetime value is not estimated."
        )
    status = "not_applicable" if reason else "ok"
    return ClvAssessment(status, reason, n, repeat, one_time, history)


def choose_model(summary: pd.DataFrame, model: str = "auto") -> Variant:
    """Return the purchase model to fit: ``model`` itself, or for ``"auto"`` MBG/NBD when
    one-time buyers are more than half of the customers, BG/NBD otherwise.

    BG/NBD assumes no one drops out before a first repeat purchase, so every one-time buyer
    has P(alive) = 1; MBG/NBD (Batislam et al. 2007) lets them drop out too, which matters
    most where they dominate.
    """
    if model == "bgnbd":
        return "bgnbd"
    if model == "mbgnbd":
        return "mbgnbd"
    if model != "auto":
        raise ValueError(f"model must be 'auto', 'bgnbd' or 'mbgnbd', got {model!r}.")
    one_time = float((summary["frequency"] == 0).mean()) if len(summary) else 0.0
    return "mbgnbd" if one_time > ONE_TIME_DOMINANCE else "bgnbd"


@dataclass(frozen=True)
class SpendIndependence:
    """Gamma-Gamma's assumption check: frequency vs mean repeat spend among repeat buyers."""

    correlation: float
    n_customers: int
    independent: bool | None  # None: cannot be checked
    verdict: str


def check_spend_independence(
    summary: pd.DataFrame, *, threshold: float = INDEPENDENCE_THRESHOLD
) -> SpendIndependence:
    """Check Gamma-Gamma's assumption that spend per purchase does not depend on frequency.

    The Pearson correlation between ``frequency`` and ``monetary_value`` among repeat buyers
    (Fader, Hardie & Lee 2005, "RFM and CLV", report 0.11 on CDNOW); with ``|corr| >
    threshold`` the verdict says the expected-spend figures are doubtful.
    """
    repeat = summary.loc[summary["frequency"] > 0, ["frequency", "monetary_value"]]
    n = len(repeat)
    if n < 3 or repeat["frequency"].nunique() < 2 or repeat["monetary_value"].nunique() < 2:
        return SpendIndependence(
            float("nan"),
            n,
            None,
            "Too few repeat buyers with varied purchases to check that spend per purchase "
            "does not depend on how often a customer buys.",
        )
    corr = float(np.corrcoef(repeat["frequency"], repeat["monetary_value"])[0, 1])
    if abs(corr) > threshold:
        verdict = (
            f"Spend per purchase is correlated with how often customers buy (r = {corr:.2f}); "
            "the spend model assumes it is not, so treat expected spend and lifetime value "
            "as rough."
        )
        return SpendIndependence(corr, n, False, verdict)
    verdict = (
        f"Spend per purchase is nearly independent of how often customers buy (r = "
        f"{corr:.2f}), as the spend model assumes."
    )
    return SpendIndependence(corr, n, True, verdict)
