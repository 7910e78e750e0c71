"""``insights check <unit>``: read, clean and gate a unit's data without publishing anything.

``check_unit`` runs ``pipeline.load_unit`` and ``pipeline.resolve_quarter`` with the
publishing gate's checks collected instead of raised, and returns a one-screen summary:
rows read, kept and rejected by reason, lines declared (header, blank, totals), the date
range and quarters covered, the currency, the number of customers, how ambiguous values
were read, and the verdict -- publishable or not, and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from insights import gate, pipeline
from insights.engine.dialect import Query
from insights.engine.duckdb import order_date_bounds, run_sql
from insights.loading import LoadError
from insights.params import Params
from insights.periods import PeriodError


@dataclass(frozen=True)
class CheckResult:
    """The verdict of ``check_unit`` and the summary lines to print."""

    publishable: bool
    lines: tuple[str, ...]
    problems: tuple[str, ...]


def check_unit(params: Params, *, root: Path, quarter: str | None = None) -> CheckResult:
    """Load, clean and gate ``params``' unit; return the verdict and a summary (no output).

    A file that cannot be read, a column that reads two ways, too many rejects or a
    quarter outside the data make the result not publishable, with the reason.
    """
    try:
        data = pipeline.load_unit(params, root=Path(root), check=False)
    except (LoadError, gate.GateError) as exc:
        return CheckResult(False, (f"unit {params.unit}: the data cannot be read.",), (str(exc),))
    lines = _summary(data, params)
    problems = list(pipeline.row_problems(data, params=params))
    if not problems:
        try:
            period = pipeline.resolve_quarter(data, quarter, params=params)
            lines.append(pipeline.quarter_coverage(data, period, params=params))
        except (gate.GateError, PeriodError) as exc:
            problems.append(str(exc))
    accepted = gate.accepted_note(data.quality, max_rejected_share=params.gate.max_rejected_share)
    if accepted and not problems:
        lines.append(accepted)
    return CheckResult(not problems, tuple(lines), tuple(problems))


def _summary(data: pipeline.UnitData, params: Params) -> list[str]:
    """Return the summary lines of a loaded unit (rows, reasons, dates, customers, notes)."""
    quality = data.quality
    by_reason = quality.get("rejected_by_reason", [])
    totals = sum(r["rows"] for r in by_reason if r["rule"] in gate.DECLARED_RULES)
    files = quality.get("files", [])
    lines = [f"unit {params.unit}: {', '.join(f['path'] for f in files)}",
             f"rows read {quality['rows_read']:,}: kept {quality['rows_kept']:,}, rejected "
             f"{quality['rows_rejected'] - totals:,}, declared totals {totals:,}"]
    lines += [f"  rejected: {r['label']}: {r['rows']:,}" for r in by_reason
              if r["rule"] not in gate.DECLARED_RULES]
    for f in (f for f in files if f.get("lines") is not None and f.get("data_lines") is not None):
        declared = int(f.get("header_line") or 0) + int(f.get("blank_lines") or 0)
        verdict = "" if declared + f["data_lines"] == f["lines"] else "  DO NOT ADD UP"
        lines.append(f"  {f['path']}: {f['lines']:,} lines = {declared:,} header or blank + "
                     f"{f['data_lines']:,} holding rows{verdict}")
    first, last, _ = order_date_bounds(data.transactions, engine=data.engine)
    if first is not None:
        quarters = pd.period_range(first, last, freq="Q")
        lines.append(f"dates {first:%Y-%m-%d} to {last:%Y-%m-%d}: quarters {quarters[0]} to "
                     f"{quarters[-1]} ({len(quarters)})")
    lines.append(f"currency {params.source.currency}; customers {_customers(data):,}")
    row_share, money_share = gate.rejected_shares(quality)
    lines.append(f"rejected share: {row_share:.1%} of rows, {money_share:.1%} of money "
                 f"(gate.max_rejected_share {params.gate.max_rejected_share:.0%})")
    lines += [f"  note: {n}" for n in quality.get("notes", [])]
    return lines


def _customers(data: pipeline.UnitData) -> int:
    """Return the number of distinct customers among the kept rows."""
    if isinstance(data.transactions, pd.DataFrame):
        return int(data.transactions["customer_id"].nunique())
    select = "SELECT COUNT(DISTINCT customer_id) AS n FROM source"
    frame = run_sql(lambda dialect: Query(setup=(), select=select), engine=data.engine,
                    source=data.transactions)
    return int(frame.iloc[0]["n"])
