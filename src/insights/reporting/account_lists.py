"""Lists for account managers: the key customers and the customers at risk, export-ready.

Pure: builds the frames; ``insights.publish.report`` writes them as CSV/XLSX next to the report.
A customer's name appears only when the unit's params allow it
(``report.show_customer_names``); otherwise the stable pseudonym the report uses
(``reporting.core.customer_labels``) stands in. Every text cell is made spreadsheet-safe
(``safety.neutralize_frame``): a cell starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return gets a leading quote.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from insights.key_customers import KeyCustomers
from insights.reporting.core import customer_labels, fmt_int, fmt_share
from insights.reporting.i18n import N_, _
from insights.reporting.key_customers import CLASS_WORDS, OVERRIDE_WORDS
from insights.reporting.phrases import key_reasons
from insights.safety import neutralize_frame
from insights.schema import require_columns

KEY_COLUMNS = (
    "key_rank", "customer", "customer_id", "score", "category", "loss_maker", "override",
    "reasons", "revenue_12m", "contribution", "margin_rate", "account_manager",
)  # fmt: skip
RISK_COLUMNS = (
    "customer", "customer_id", "revenue_at_stake", "revenue_12m", "revenue_prev_12m",
    "recency_days", "mean_gap_days", "p_alive", "signals", "account_manager",
)  # fmt: skip


def _export(
    frame: pd.DataFrame, columns: tuple[str, ...], *, show_names: bool, salt: str, include_ids: bool
) -> pd.DataFrame:
    labels = customer_labels(frame, show_names=show_names, salt=salt, max_length=80)
    out = frame.assign(customer=labels)
    keep = [c for c in columns if c in out.columns and (include_ids or c != "customer_id")]
    return neutralize_frame(out[keep].reset_index(drop=True))


def key_customer_list(
    result: KeyCustomers,
    *,
    show_names: bool,
    salt: str,
    top_n: int | None = None,
    include_ids: bool = True,
) -> pd.DataFrame:
    """Return the top key customers as an export-ready frame (no ``customer_name`` column).

    Parameters
    ----------
    result : KeyCustomers
        From ``key_customers.score_key_customers``.
    show_names : bool
        params.report.show_customer_names.
    salt : str
        Pseudonym salt (the same one the report uses, so labels match).
    top_n : int, optional
        Rows (default ``result.top_n``); excluded customers never appear.
    include_ids : bool
        Keep the CRM ``customer_id`` so a manager can look the customer up.
    """
    if result.table.empty:
        return pd.DataFrame(columns=[c for c in KEY_COLUMNS if include_ids or c != "customer_id"])
    rows = result.table[result.table["key_rank"].le(top_n or result.top_n).fillna(False)]
    return _export(_in_words(rows), KEY_COLUMNS, show_names=show_names, salt=salt,
                   include_ids=include_ids)


def _in_words(rows: pd.DataFrame) -> pd.DataFrame:
    """Return the key customers with class, loss-maker, override and reasons as the report says them."""
    words = {
        "category": lambda v: _(CLASS_WORDS.get(str(v), str(v))),
        "loss_maker": lambda v: _("yes") if bool(v) else _("no"),
        "override": lambda v: _(OVERRIDE_WORDS.get(str(v), str(v))) if v else "",
        "reasons": key_reasons,
    }
    return rows.assign(**{c: rows[c].map(say) for c, say in words.items() if c in rows.columns})


def customers_at_risk(
    features: pd.DataFrame,
    *,
    p_alive: pd.Series | None = None,
    lost_days: int = 365,
    drop_trend: float = -1.0 / 3.0,
    overdue_factor: float = 2.0,
    min_p_alive: float = 0.5,
) -> pd.DataFrame:
    """Return customers not yet lost whose buying shows a warning sign, biggest stake first.

    Considered: customers whose last purchase is less than ``lost_days`` ago and with
    revenue at stake = max(revenue_12m, revenue_prev_12m) > 0. Signals (any one flags):
    revenue falling, ``trend`` ≤ ``drop_trend`` (−1/3: the last 12 months brought half of
    the 12 before, or less); overdue, ``recency_days`` > ``overdue_factor`` ×
    ``mean_gap_days`` for repeat buyers; P(alive) below ``min_p_alive`` when given.

    Returns
    -------
    DataFrame
        ``customer_id``, ``revenue_at_stake``, ``revenue_12m``, ``revenue_prev_12m``,
        ``recency_days``, ``mean_gap_days``, ``p_alive``, ``signals`` (in words) and the
        descriptive columns present (``customer_name``, ``account_manager``...).
    """
    need = ["customer_id", "revenue_12m", "revenue_prev_12m", "trend", "recency_days"]
    require_columns(features, [*need, "mean_gap_days"], where="customers_at_risk")
    stake = features[["revenue_12m", "revenue_prev_12m"]].max(axis=1)
    frame = features.assign(
        revenue_at_stake=stake,
        p_alive=features["customer_id"].map(p_alive) if p_alive is not None else np.nan,
    )
    frame = frame[(frame["recency_days"] < lost_days) & (frame["revenue_at_stake"] > 0)]
    falling = frame["trend"] <= drop_trend
    overdue = frame["recency_days"] > overdue_factor * frame["mean_gap_days"]
    unlikely = frame["p_alive"] < min_p_alive
    signals = [
        "; ".join(
            text
            for flag, text in (
                (f, _("revenue down {pct} on the 12 months before").format(pct=fmt_share(1 - r / p, digits=0))
                 if p > 0 else ""),
                (o, _("overdue: last purchase {d} days ago, usually every {g} days").format(
                    d=fmt_int(d), g=fmt_int(g))),
                (u, _("probability still active {pct}").format(pct=fmt_share(a, digits=0))),
            )
            if flag and text
        )
        for f, o, u, r, p, d, g, a in zip(
            falling, overdue, unlikely, frame["revenue_12m"], frame["revenue_prev_12m"],
            frame["recency_days"], frame["mean_gap_days"], frame["p_alive"], strict=True,
        )
    ]  # fmt: skip
    frame = frame.assign(signals=pd.Series(signals, index=frame.index, dtype="string"))
    frame = frame[frame["signals"] != ""]
    frame = frame.sort_values(["revenue_at_stake", "customer_id"], ascending=[False, True])
    first = ["customer_id", "revenue_at_stake", *need[1:3], "recency_days", "mean_gap_days"]
    rest = [c for c in ("p_alive", "signals", "customer_name", "account_manager", "unit")
            if c in frame.columns]  # fmt: skip
    return frame[first + rest].reset_index(drop=True)


def at_risk_list(
    at_risk: pd.DataFrame, *, show_names: bool, salt: str, include_ids: bool = True
) -> pd.DataFrame:
    """Return ``customers_at_risk`` output as an export-ready frame (names only if allowed)."""
    require_columns(at_risk, ["customer_id"], where="at_risk_list")
    return _export(at_risk, RISK_COLUMNS, show_names=show_names, salt=salt, include_ids=include_ids)


EXPERIMENT_COLUMNS = ("customer", "customer_id", "account_manager", "group", "stratum", "value")
#: The experiment's groups as the export names them.
GROUP_WORDS = {"test": N_("test"), "control": N_("control")}


def experiment_list(
    assignments: pd.DataFrame,
    features: pd.DataFrame,
    *,
    show_names: bool,
    salt: str,
    include_ids: bool = True,
) -> pd.DataFrame:
    """Return a test/control split as an export-ready list (names only if allowed).

    ``assignments`` is ``experiments.split_test_control`` output; ``features`` supplies the
    names when the unit's params allow them.
    """
    require_columns(assignments, ["customer_id", "group"], where="experiment_list")
    named = ["customer_id"] + [c for c in ("customer_name", "account_manager") if c in features.columns]
    frame = assignments.merge(features[named], on="customer_id", how="left")
    frame = frame.sort_values(["group", "customer_id"], kind="stable")
    frame = frame.assign(group=frame["group"].map(lambda g: _(GROUP_WORDS.get(str(g), str(g)))))
    return _export(frame, EXPERIMENT_COLUMNS, show_names=show_names, salt=salt, include_ids=include_ids)
