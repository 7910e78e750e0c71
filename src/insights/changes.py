"""What changed: the biggest movements since the previous quarter and the same quarter a year ago.

Frames in (quarterly activity, lifecycle segments, mix shares), one frozen result out. Every
movement is a row with the same columns, so the report can list the largest few of each kind
side by side: ``kind`` (customer, segment, account_manager, mix), ``item``, ``now``,
``previous_quarter``, ``year_ago`` and ``change`` (now minus the previous quarter; for mix,
share now minus share a year ago).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from insights.schema import require_columns

CHANGE_COLUMNS = ("kind", "item", "now", "previous_quarter", "year_ago", "change", "measure")


@dataclass(frozen=True)
class Changes:
    """The biggest movements of each kind, largest absolute change first within a kind."""

    status: str  # "ok" or "no_previous_quarter"
    reason: str
    quarter: pd.Period
    table: pd.DataFrame = field(repr=False)  # CHANGE_COLUMNS

    def of_kind(self, kind: str) -> pd.DataFrame:
        """Return the rows of one kind (customer, segment, account_manager, mix)."""
        return self.table[self.table["kind"] == kind]


def _quarter_pivot(activity: pd.DataFrame, key: pd.Series | None, quarter: pd.Period) -> pd.DataFrame:
    """Revenue per item now, a quarter and a year earlier; ``key`` maps customers to items
    (None: the customer is the item)."""
    wanted = [quarter, quarter - 1, quarter - 4]
    rows = activity[activity["quarter"].isin(wanted)]
    keyed = rows.assign(item=rows["customer_id"] if key is None else rows["customer_id"].map(key))
    wide = keyed.pivot_table(
        index="item", columns="quarter", values="revenue", aggfunc="sum", fill_value=0.0
    ).reindex(columns=wanted, fill_value=0.0)
    wide.columns = ["now", "previous_quarter", "year_ago"]
    return wide.assign(change=wide["now"] - wide["previous_quarter"])


def _largest(frame: pd.DataFrame, *, kind: str, measure: str, top: int) -> pd.DataFrame:
    frame = frame.rename_axis("item").reset_index()
    frame = frame.assign(
        kind=kind, measure=measure, item=frame["item"].astype("string"), size=frame["change"].abs()
    )
    frame = frame[frame["size"] > 0].sort_values(
        ["size", "item"], ascending=[False, True], kind="mergesort"
    )
    return frame.head(top)[list(CHANGE_COLUMNS)]


def what_changed(
    activity: pd.DataFrame,
    *,
    quarter: pd.Period,
    segments_now: pd.DataFrame,
    segments_prev: pd.DataFrame,
    features: pd.DataFrame | None = None,
    mix_shares: pd.DataFrame | None = None,
    top: int = 3,
) -> Changes:
    """List the biggest movements: customers, segments, account managers and mix.

    Customers and managers: net revenue of ``quarter`` against the previous quarter (and the
    same quarter a year earlier), from ``activity``; a manager's revenue is that of the
    customers it handles (``features``' account_manager per customer). Segments: customers
    per lifecycle segment at this quarter's end against the previous one. Mix: each
    dimension value's share of 12-month revenue against a year earlier (``MixResult.shares``).

    Parameters
    ----------
    activity : DataFrame
        ``customer_id``, ``quarter`` (Period), ``revenue``.
    quarter : Period
    segments_now, segments_prev : DataFrame
        ``customer_id``, ``segment``.
    features : DataFrame, optional
        Customer features with customer_id and account_manager (managers skipped without).
    mix_shares : DataFrame, optional
        ``dimension``, ``value``, ``share``, ``share_year_ago``, ``share_change``.
    top : int
        Rows kept per kind.

    Returns
    -------
    Changes
    """
    require_columns(activity, ["customer_id", "quarter", "revenue"], where="what_changed")
    if not (activity["quarter"] == quarter - 1).any():
        return Changes("no_previous_quarter", "No purchases in the previous quarter to compare with.",
                       quarter, pd.DataFrame(columns=list(CHANGE_COLUMNS)))  # fmt: skip
    parts = [
        _largest(_quarter_pivot(activity, None, quarter), kind="customer", measure="revenue", top=top),
        _largest(_segment_counts(segments_now, segments_prev), kind="segment", measure="customers", top=top),
    ]  # fmt: skip
    managers = None
    if features is not None and "account_manager" in features.columns:
        managers = features.set_index("customer_id")["account_manager"]
    if managers is not None and managers.notna().any():
        parts.append(_largest(_quarter_pivot(activity, managers.fillna("(unassigned)"), quarter),
                              kind="account_manager", measure="revenue", top=top))  # fmt: skip
    if mix_shares is not None and len(mix_shares):
        mix = mix_shares.assign(
            item=mix_shares["dimension"].str.replace("_", " ")
            + ": "
            + mix_shares["value"].astype(str)
        )
        mix = mix.set_index("item").rename(columns={"share": "now", "share_year_ago": "year_ago",
                                                     "share_change": "change"})  # fmt: skip
        parts.append(_largest(mix.assign(previous_quarter=float("nan"))[["now", "previous_quarter",
                              "year_ago", "change"]], kind="mix", measure="share", top=top))  # fmt: skip
    table = (
        pd.concat([p for p in parts if len(p)], ignore_index=True)
        if any(len(p) for p in parts)
        else pd.DataFrame(columns=list(CHANGE_COLUMNS))
    )
    return Changes("ok", "", quarter, table)


def _segment_counts(now: pd.DataFrame, prev: pd.DataFrame) -> pd.DataFrame:
    a = now["segment"].astype(str).value_counts()
    b = prev["segment"].astype(str).value_counts()
    items = a.index.union(b.index)
    frame = pd.DataFrame({"now": a.reindex(items, fill_value=0).astype(float),
                          "previous_quarter": b.reindex(items, fill_value=0).astype(float)})  # fmt: skip
    return frame.assign(year_ago=float("nan"), change=frame["now"] - frame["previous_quarter"])
