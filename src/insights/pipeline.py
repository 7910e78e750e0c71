"""The report's data step in one call: load a unit's export, clean it, pick the quarter.

The notebook calls ``load_unit`` once and gets the kept transactions, the quarantined rows
with reasons, the reconciliation and the input fingerprints. Everything transaction-level
stays in loading, cleaning and features; this module only strings them together.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from insights import cleaning, loading
from insights.params import Params
from insights.periods import latest_complete_quarter, parse_quarter, quarter_end


@dataclass(frozen=True)
class UnitData:
    """A unit's cleaned transactions with everything needed to account for them."""

    transactions: pd.DataFrame
    rejected: pd.DataFrame
    quality: dict
    sources: list[dict]


def load_unit(params: Params, *, root: Path) -> UnitData:
    """Load and clean ``params``' sources; rows in = rows kept + rows rejected.

    Raises ``loading.LoadError`` when a file cannot be read at all (its message names the
    file and what to change in the params).
    """
    loaded = loading.load_transactions(params, root=Path(root))
    cleaned = cleaning.clean_transactions(loaded.frame, source=params.source)
    rejected = pd.concat([loaded.rejected, cleaned.rejected], ignore_index=True)
    quality = cleaning.summarize_quality(loaded, cleaned)
    return UnitData(cleaned.kept, rejected, quality, list(loaded.sources))


def resolve_quarter(data: UnitData, quarter: str | None, *, params: Params) -> pd.Period:
    """Return the report quarter: ``quarter`` when given, else the latest complete one.

    Never looks at today's date: "complete" is judged from the export date in params or
    the data's latest order date.
    """
    if quarter:
        return parse_quarter(quarter)
    export = pd.Timestamp(params.source.export_date) if params.source.export_date else None
    return latest_complete_quarter(data.transactions["order_date"], export_date=export)


def count_after(data: UnitData, quarter: pd.Period) -> int:
    """Return how many kept rows fall after the quarter's end (ignored by this report)."""
    return int((data.transactions["order_date"] > quarter_end(quarter)).sum())


def history_days(data: UnitData, as_of: pd.Timestamp) -> int:
    """Return how many days of history the data holds up to ``as_of`` (0 when none)."""
    dates = data.transactions["order_date"]
    dates = dates[dates <= as_of]
    return int((as_of - dates.min()).days) + 1 if len(dates) else 0


def unknown_customer_share(data: UnitData) -> float:
    """Return the share of rows read that had no customer id (they were rejected)."""
    return float(data.quality.get("unknown_customer_share", 0.0))
