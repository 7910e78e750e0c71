"""The data-quality reconciliation shown in the report's appendix."""

from __future__ import annotations

import math

import pandas as pd

from insights.cleaning.rules import REJECT_RULES


def summarize_quality(load_result, clean_result) -> dict:
    """Return the data-quality reconciliation of one load + clean run.

    Rows: ``rows_read`` (every data row in the files) = ``rows_kept`` + ``rows_rejected``
    (structural rejects at loading + cleaning's). Amounts (where they parse): the amounts
    reaching cleaning, ``amount_read`` = ``amount_kept`` + ``amount_rejected``.
    ``reconciles`` is True when both hold.

    Parameters
    ----------
    load_result : LoadResult
        From ``loading.load_transactions`` (``frame``, ``rejected``, ``sources``).
    clean_result : CleanResult
        From ``clean_transactions`` on ``load_result.frame``.

    Returns
    -------
    dict
        rows_read, rows_kept, rows_rejected, rows_rejected_loading, rows_rejected_cleaning,
        amount_read, amount_kept, amount_rejected, rejected_by_reason (list of {rule,
        label, rows, amount}; amount None when no amount parsed), unknown_customer_share
        (rows without a customer id / rows read), files (path, format, encoding,
        delimiter, sheet, rows_read, sha256), notes, reconciles.
    """
    load_rej, clean_rej = load_result.rejected, clean_result.rejected
    rows_read = int(sum(s["rows_read"] for s in load_result.sources))
    rows_rejected = len(load_rej) + len(clean_rej)
    kept_amount = math.fsum(clean_result.kept["amount"])
    rejected_amount = math.fsum(clean_rej["amount_value"].dropna())
    rules = pd.concat([load_rej[["rule", "amount_value"]], clean_rej[["rule", "amount_value"]]])
    by_reason = [
        {"rule": rule, "label": REJECT_RULES.get(rule, rule), "rows": int(len(group)),
         "amount": (math.fsum(group["amount_value"].dropna())
                    if group["amount_value"].notna().any() else None)}
        for rule, group in rules.groupby("rule", sort=False)
    ]
    by_reason.sort(key=lambda r: (-r["rows"], r["rule"]))
    missing = int((clean_rej["rule"] == "missing_customer_id").sum())
    amounts_match = math.isclose(clean_result.amount_in, kept_amount + rejected_amount,
                                 rel_tol=1e-9, abs_tol=0.005)
    rows_match = (rows_read == len(clean_result.kept) + rows_rejected
                  and clean_result.rows_in == len(load_result.frame))
    keys = ("path", "format", "encoding", "delimiter", "sheet", "rows_read", "sha256",
            "header_line", "blank_lines", "data_lines", "lines")
    return {
        "rows_read": rows_read, "rows_kept": len(clean_result.kept),
        "rows_rejected": rows_rejected, "rows_rejected_loading": len(load_rej),
        "rows_rejected_cleaning": len(clean_rej), "amount_read": clean_result.amount_in,
        "amount_kept": kept_amount, "amount_rejected": rejected_amount,
        "rejected_by_reason": by_reason,
        "unknown_customer_share": missing / rows_read if rows_read else 0.0,
        "files": [{k: s.get(k) for k in keys} for s in load_result.sources],
        "notes": [n for s in load_result.sources for n in s.get("notes", [])]
        + list(clean_result.notes),
        "reconciles": bool(rows_match and amounts_match),
        "counts": dict(getattr(clean_result, "counts", {}) or {}),
        "total_rows": _total_rows(clean_result.kept, clean_rej),
    }


def _total_rows(kept: pd.DataFrame, rejected: pd.DataFrame) -> list[dict]:
    """Compare each file's total row with the exact sum of the file's other amounts."""
    values: dict[str, list[float]] = {}
    for frame, column in ((kept, "amount"), (rejected[rejected["rule"] != "total_row"], "amount_value")):
        for path, amounts in frame.groupby("source_file", sort=False)[column]:
            values.setdefault(path, []).extend(amounts.dropna().tolist())
    sums = {path: math.fsum(amounts) for path, amounts in values.items()}
    totals = rejected[rejected["rule"] == "total_row"]
    found = [(f, int(line), a) for f, line, a in totals[["source_file", "source_line",
                                                         "amount_value"]].itertuples(index=False)]
    return check_totals(sums, found)


def check_totals(sums: dict[str, float], totals: list[tuple[str, int, float]]) -> list[dict]:
    """Return, per file with exactly one total row holding an amount, whether it matches.

    ``sums`` maps each file to the exact sum of its amounts other than totals (kept and
    rejected rows alike: the export's total covers every row it printed); files with
    several total rows (subtotals) are not checked. A difference above half a kopeck does
    not match.
    """
    out = []
    for path in dict.fromkeys(f for f, _, _ in totals):
        rows = [(line, a) for f, line, a in totals if f == path and not math.isnan(a)]
        if len(rows) != 1:
            continue
        line, total = rows[0]
        rows_sum = sums.get(path, 0.0)
        out.append({"path": path, "line": line, "total": total, "rows_sum": rows_sum,
                    "matches": abs(total - rows_sum) <= 0.005})
    return out
