"""The publishing gate: a run whose data cannot carry a truthful report stops here.

A report that is silently wrong is worse than no report. ``pipeline.load_unit`` and
``pipeline.resolve_quarter`` call these checks, and ``insights report`` turns the one
``GateError`` they raise into a non-zero exit with its message and nothing published;
``insights check`` prints the same verdict without publishing.

The gate refuses when no row was kept, when the rejected share of rows or of money exceeds
``gate.max_rejected_share`` (default 5%), and when the report quarter lies outside the data
or holds no kept row. Rows declared as totals and amounts refused as implausible
(placeholders, out of range) count as rows but not as money: their "money" is not revenue.
Pure: dictionaries and numbers in, a message out; no I/O.
"""

from __future__ import annotations

import pandas as pd

from insights.periods import quarter_end, quarter_start

#: Rules whose rows are declared lines (totals), not rejected data rows.
DECLARED_RULES = frozenset({"total_row"})
#: Rules whose amount is not money the unit earned (left out of the money share): totals
#: and dropped duplicates count money already kept, implausible amounts are not revenue.
NOT_MONEY_RULES = frozenset({"total_row", "duplicate_row", "placeholder_amount",
                             "amount_out_of_range"})
#: The rejected share above which publishing stops unless params accept more.
DEFAULT_MAX_SHARE = 0.05


class GateError(ValueError):
    """Raised when the data cannot carry a truthful report; the message says why."""


def rejected_shares(quality: dict) -> tuple[float, float]:
    """Return (share of data rows rejected, share of money rejected) of a reconciliation.

    Rows declared as totals are left out of both; amounts refused as implausible are left
    out of the money share (they are not revenue). Money is compared in absolute value.
    """
    by_rule = {r["rule"]: r for r in quality.get("rejected_by_reason", [])}
    declared = sum(r["rows"] for k, r in by_rule.items() if k in DECLARED_RULES)
    rows = quality["rows_read"] - declared
    rejected_rows = quality["rows_rejected"] - declared
    money = [abs(r["amount"] or 0.0) for k, r in by_rule.items() if k not in NOT_MONEY_RULES]
    rejected_money = sum(money)
    total_money = abs(quality["amount_kept"]) + rejected_money
    row_share = rejected_rows / rows if rows > 0 else 0.0
    money_share = rejected_money / total_money if total_money > 0 else 0.0
    return row_share, money_share


def check_rows(quality: dict, *, max_rejected_share: float, where: str,
               accept_total_mismatch: bool = False) -> list[str]:
    """Return why the rows cannot be published (empty when they can).

    Parameters
    ----------
    quality : dict
        The reconciliation (``cleaning.summarize_quality`` or the streamed one).
    max_rejected_share : float
        ``gate.max_rejected_share``.
    where : str
        The files (or table) read, named in the messages.
    """
    problems = []
    if quality["rows_kept"] == 0:
        problems.append(f"{where}: no row was kept ({quality['rows_read']:,} read, all "
                        f"rejected{_top_reasons(quality)}); nothing to report on.")
        return problems
    row_share, money_share = rejected_shares(quality)
    for what, share in (("rows", row_share), ("money", money_share)):
        if share > max_rejected_share:
            problems.append(
                f"{where}: {share:.1%} of the {what} read were rejected{_top_reasons(quality)}, "
                f"above gate.max_rejected_share {max_rejected_share:.0%}. Fix the reading "
                "params or the export (the quarantine lists each row with line and reason); "
                "if this rate is known and accepted, raise gate.max_rejected_share.")
    for total in quality.get("total_rows", []):
        if not total["matches"] and not accept_total_mismatch:
            problems.append(
                f"{total['path']} line {total['line']}: the export's total row says "
                f"{total['total']:,.2f} but its rows sum to {total['rows_sum']:,.2f} (difference "
                f"{total['total'] - total['rows_sum']:,.2f}): rows may be missing from the "
                "export. Re-export it; if the total is known to differ (it includes VAT, say), "
                "set gate.accept_total_mismatch: true.")
    if not quality.get("reconciles", True):
        problems.append(f"{where}: rows or amounts do not reconcile (rows read != kept + "
                        "rejected); this is a bug in reading, please report it.")
    return problems


def accepted_note(quality: dict, *, max_rejected_share: float) -> str | None:
    """Return the sentence a report must carry when params accepted a high rejection rate."""
    row_share, money_share = rejected_shares(quality)
    share = max(row_share, money_share)
    if share <= DEFAULT_MAX_SHARE or share > max_rejected_share:
        return None
    return (f"{share:.1%} of the data read was rejected, above the usual "
            f"{DEFAULT_MAX_SHARE:.0%}; the params accept up to {max_rejected_share:.0%} "
            "(gate.max_rejected_share). Read every number with that in mind.")


def _top_reasons(quality: dict) -> str:
    """Return ' (mostly: reason N, reason M)' from the reconciliation's reject table."""
    reasons = [r for r in quality.get("rejected_by_reason", []) if r["rule"] not in DECLARED_RULES]
    if not reasons:
        return ""
    shown = ", ".join(f"{r['label']}: {r['rows']:,}" for r in reasons[:3])
    return f" (mostly: {shown})"


def quarter_coverage(period: pd.Period, *, first: pd.Timestamp | None, last: pd.Timestamp | None,
                     rows_in_quarter: int, latest_complete: pd.Period | None,
                     export_date: pd.Timestamp | None = None) -> str:
    """Return the sentence naming the report quarter and how the data covers it.

    The same quarter gets the same sentence whether it was asked for or chosen by default
    (``latest_complete``: the default quarter), so reruns give identical reports.

    Raises
    ------
    GateError
        The quarter lies outside the data (before its first or after its last order date)
        or holds no kept row.
    """
    start, end = quarter_start(period), quarter_end(period)
    if first is None or last is None:
        raise GateError("no kept row has an order date; nothing to report on.")
    span = f"the data runs from {first:%Y-%m-%d} to {last:%Y-%m-%d}"
    if start > last or end < first:
        raise GateError(f"quarter {period} is outside the data ({span}); choose a quarter "
                        "within it, or leave the quarter empty for the last complete one.")
    if rows_in_quarter == 0:
        raise GateError(f"quarter {period} holds no kept row ({span}); choose another quarter.")
    covered_to = max(last, export_date) if export_date is not None else last
    if covered_to < end:
        return (f"Quarter {period} is partial: {span}, so it ends before the quarter does "
                f"({end:%Y-%m-%d}); its numbers cover only part of the quarter.")
    if period != latest_complete:
        return f"Quarter {period}; {span}."
    latest = pd.Period(last, freq="Q")
    later = (f"; {latest} is not complete yet and is left for a later report"
             if latest > period else "")
    return f"Quarter {period}: the last complete quarter in the data ({span}{later})."
