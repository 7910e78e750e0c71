"""The data-quality and run-metadata appendix: reconciliation, rejects, provenance."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from insights import gate
from insights.publish import runinfo as runinfo
from insights.reporting.core import (
    Html,
    bullet_list,
    fmt_int,
    fmt_money,
    fmt_share,
    html_table,
    note,
    paragraph,
    sentence,
)
from insights.reporting.i18n import N_, _, current_language
from insights.reporting.labels import label_column
from insights.reporting.phrases import sentence_of

#: The reject rules of ``cleaning.rules.REJECT_RULES`` in the report's language (by rule code).
REJECT_WORDS = {
    "repeated_header": N_("line repeats the header"),
    "too_many_fields": N_("row has more fields than the header"),
    "too_few_fields": N_("row has fewer fields than the header"),
    "unterminated_quote": N_("quoted value never closed"),
    "malformed_quotes": N_("malformed quoting"),
    "too_long_value": N_("value longer than the CSV field limit"),
    "nul_byte": N_("line holds a NUL byte"),
    "undecodable": N_("line holds bytes that do not decode"),
    "formula_without_value": N_("Excel formula without a computed value"),
    "total_row": N_("total or subtotal row"),
    "missing_customer_id": N_("customer id is empty"),
    "missing_amount": N_("amount is empty"),
    "bad_amount": N_("amount is not a number"),
    "missing_date": N_("order date is empty"),
    "bad_date": N_("order date is not a date"),
    "date_in_future": N_("order date after the export date"),
    "date_too_old": N_("order date before source.min_date"),
    "date_out_of_range": N_("order date past 2262 (a placeholder?)"),
    "other_currency": N_("currency other than the unit's"),
    "placeholder_amount": N_("placeholder amount (all nines, 999 999 999 and up)"),
    "amount_out_of_range": N_("amount outside the plausible range"),
    "bad_number": N_("cost, margin or discount is not a number"),
    "bad_flag": N_("is_reference is not yes/no"),
    "duplicate_row": N_("exact duplicate of an earlier row"),
    "order_conflict": N_("same order id with conflicting values"),
}


#: Columns of the published quarantine file, in order, before the row's own columns.
QUARANTINE_LEAD = ("source_file", "source_line", "column", "raw_value", "reason")


def describe_quality(quality: dict, *, rows_after: int = 0, currency: str = "RUB",
                     coverage: str = "", max_rejected_share: float = gate.DEFAULT_MAX_SHARE) -> Html:
    """Describe the reconciliation: rows read = kept + rejected, and amounts likewise.

    Also: the report quarter's coverage (``pipeline.quarter_coverage``), lines declared as
    header, blank or total, each file's total row checked against its rows, how ambiguous
    values were read (``quality["notes"]``) and a rejection rate the params accepted.
    """
    parts = [sentence("{c}", c=sentence_of(coverage))] if coverage else []
    parts += [
        sentence(
            _("The export held {read} rows: {kept} were kept and {rejected} rejected with a "
            "reason ({loading} could not be read as rows, {cleaning} failed a value check)."),
            read=fmt_int(quality["rows_read"]),
            kept=fmt_int(quality["rows_kept"]),
            rejected=fmt_int(quality["rows_rejected"]),
            loading=fmt_int(quality["rows_rejected_loading"]),
            cleaning=fmt_int(quality["rows_rejected_cleaning"]),
        ),
        sentence(
            _("Amounts: {read} read = {kept} kept + {rejected} rejected."),
            read=fmt_money(quality["amount_read"], currency=currency),
            kept=fmt_money(quality["amount_kept"], currency=currency),
            rejected=fmt_money(quality["amount_rejected"], currency=currency),
        ),
    ]
    totals = sum(float(r.get("total") or 0.0) for r in quality.get("total_rows", []) or [])
    if totals:  # the export's own total rows double the amount read: say so next to it
        parts.append(sentence(
            _("Of the rejected amount, {totals} is the export's own total row(s), not sales."),
            totals=fmt_money(totals, currency=currency)))
    if rows_after:
        parts.append(
            sentence(
                _("{n} kept rows are dated after this report's quarter and are left for later "
                "reports."),
                n=fmt_int(rows_after),
            )
        )
    parts += _declared_lines(quality, currency=currency)
    verdict = (
        note(_("Rows and amounts reconcile: nothing was dropped unaccounted."), tone="good")
        if quality["reconciles"]
        else note(_("Rows or amounts do NOT reconcile; treat this report with caution."), tone="bad")
    )
    accepted = describe_acceptance(quality, max_rejected_share=max_rejected_share)
    notes = quality.get("notes", [])
    read = (paragraph(sentence(_("How the export was read:"))) + bullet_list(notes)) if notes else ""
    return Html(paragraph(*parts) + accepted + verdict + read)


def describe_acceptance(quality: dict, *, max_rejected_share: float) -> Html:
    """Say that the params accepted a rejected share above the usual limit (else nothing).

    Shown under the headline and in the appendix: a report published past the gate's usual
    5% because ``gate.max_rejected_share`` was raised must say so where it is read first.
    """
    if not quality.get("gate_note"):
        return Html("")
    rows, money = gate.rejected_shares(quality)
    return note(
        sentence(
            _("{share} of the data read was rejected, above the usual {usual}; this unit's params "
              "accept up to {limit} (gate.max_rejected_share). Read every number with that in mind."),
            share=fmt_share(max(rows, money)),
            usual=fmt_share(gate.DEFAULT_MAX_SHARE, digits=0),
            limit=fmt_share(max_rejected_share, digits=0),
        ),
        tone="warn",
    )


def _declared_lines(quality: dict, *, currency: str) -> list[Html]:
    """Return sentences on header, blank and total lines and on each checked total row."""
    files = quality.get("files", [])
    headers = sum(1 for f in files if f.get("header_line"))
    blank = sum(int(f.get("blank_lines") or 0) for f in files)
    totals = sum(r["rows"] for r in quality.get("rejected_by_reason", []) if r["rule"] == "total_row")
    parts = [sentence(_("Besides the data rows, the files held {h} header line(s) and {b} blank "
                      "line(s); {t} of the rejected rows are total rows declared by the export."),
                      h=fmt_int(headers), b=fmt_int(blank), t=fmt_int(totals))]
    text = [f for f in files if f.get("lines") is not None and f.get("data_lines") is not None]
    if text:
        lines = sum(f["lines"] for f in text)
        declared = sum(int(f.get("header_line") or 0) + int(f.get("blank_lines") or 0)
                       for f in text)
        spanned = sum(f["data_lines"] for f in text)
        template = (_("Every physical line of the text files is accounted for: {n} lines = {d} "
                    "header or blank lines (with any lines above the header) + {r} lines "
                    "holding the rows read.") if declared + spanned == lines else
                    _("The text files' {n} physical lines do NOT add up to {d} header or blank "
                      "lines + {r} lines holding the rows read."))
        parts.append(sentence(template, n=fmt_int(lines), d=fmt_int(declared), r=fmt_int(spanned)))
    for total in quality.get("total_rows", []):
        template = (_("The total row on line {line} of {path} matches the sum of its rows, {sum}.")
                    if total["matches"] else
                    _("The total row on line {line} of {path} says {total} but its rows sum to "
                      "{sum}."))
        parts.append(sentence(template, line=fmt_int(total["line"]), path=total["path"],
                              total=fmt_money(total["total"], currency=currency),
                              sum=fmt_money(total["rows_sum"], currency=currency)))
    return parts


def rejects_table(quality: dict, *, currency: str = "RUB") -> Html:
    """Tabulate rejected rows by reason (count and amount where it parsed)."""
    found = pd.DataFrame(quality["rejected_by_reason"])
    rows = pd.DataFrame(quality["rejected_by_reason"], columns=["label", "rows", "amount"])
    if "rule" in found.columns and len(found):
        rows["label"] = [_(REJECT_WORDS[r]) if r in REJECT_WORDS else label for r, label
                         in zip(found["rule"], found["label"], strict=True)]
    if rows.empty:
        return paragraph(sentence(_("No row was rejected.")))
    table = rows.rename(columns={"label": _("Reason"), "rows": _("Rows"), "amount": _("Amount")})
    return html_table(
        table,
        formats={_("Rows"): "int", _("Amount"): "money"},
        caption=_("Rejected rows by reason"),
        currency=currency,
    )


def quarantine_frame(rejected: pd.DataFrame, *, show_names: bool) -> pd.DataFrame:
    """Return the quarantine file's frame in the report's language (``_quarantine_frame``).

    In a language other than English, ``reason`` says the rule in that language (as the
    report's table of rejects does) and the sentence with the details the checks wrote
    (which line a row repeats, the export date a date is after) moves to ``reason_detail``;
    the column a value was read from is named as the report names it.
    """
    out = _quarantine_frame(rejected, show_names=show_names)
    if current_language() == "en" or out.empty:
        return out
    if "reason" in out.columns and "rule" in out.columns:
        words = out["rule"].map(lambda r: _(REJECT_WORDS[r]) if r in REJECT_WORDS else None)
        at = list(out.columns).index("reason") + 1
        out.insert(at, "reason_detail", out["reason"])
        out["reason"] = words.where(words.notna(), out["reason"])
    if "column" in out.columns:
        out["column"] = out["column"].map(lambda c: label_column(c) if isinstance(c, str) and c != "(row)" else c)
    for name in ("customer_name", "raw_value"):
        if name in out.columns:
            out[name] = out[name].map(lambda v: _(HIDDEN) if v == HIDDEN else v)
    return out


def _quarantine_frame(rejected: pd.DataFrame, *, show_names: bool) -> pd.DataFrame:
    """Return the quarantine file's frame: lineage and reason first, then the row's columns.

    Where the unit's params hide customer names, nothing that may hold a name is kept: the
    ``customer_name`` column is replaced by a marker; a row rejected whole (``column`` is
    ``(row)``: its raw line, and fields that may sit in the wrong columns) keeps only its
    lineage, reason and rule; ``raw_value`` is kept only from a column that never holds
    names (amounts, dates, ids, codes) and only when it has no word in it; where it is
    hidden, what the reason quotes is hidden too. The file and
    line still point an analyst to the source row.
    """
    lead = [c for c in QUARANTINE_LEAD if c in rejected.columns]
    rest = [c for c in rejected.columns if c not in lead]
    out = rejected[lead + rest].reset_index(drop=True)
    if show_names:
        return out
    column = out["column"].astype("string") if "column" in out.columns else pd.Series(pd.NA, index=out.index, dtype="string")
    whole_row = column.eq("(row)").fillna(False).to_numpy()
    own = [c for c in rest if c not in _KEPT_WHEN_HIDDEN]
    out = out.astype({c: "object" for c in own if c in out.columns})
    out.loc[whole_row, own] = None
    if "customer_name" in out.columns:
        out["customer_name"] = out["customer_name"].where(out["customer_name"].isna(), HIDDEN)
    if "raw_value" in out.columns:
        raw = out["raw_value"].astype("string")
        keep = column.isin(_NAMELESS_COLUMNS).fillna(False) & ~raw.str.contains(_WORD, na=False)
        shown = keep.to_numpy() | out["raw_value"].isna().to_numpy()
        out["raw_value"] = out["raw_value"].where(shown, HIDDEN)
        if "reason" in out.columns:  # a reason may quote the value it hides: 'amount '…' ...'
            quoted = out["reason"].astype("string").str.replace(_QUOTED, "'…'", regex=True)
            out["reason"] = out["reason"].where(shown, quoted)
    return out


#: Replaces a value that may hold a customer name when names are hidden.
HIDDEN = N_("(hidden: names not allowed for this unit)")
#: Columns whose values are never names: their rejected raw value may be shown.
_NAMELESS_COLUMNS = ("customer_id", "order_id", "order_date", "amount", "cost", "margin", "discount",
                     "is_reference")  # fmt: skip
#: Columns of a quarantine row kept even when the whole row is hidden.
_KEPT_WHEN_HIDDEN = ("rule", "amount_value")
_WORD = r"[^\W\d_]{3,}"
_QUOTED = r"'[^']*'|\"[^\"]*\"|«[^»]*»"


def run_facts(params, sources: list[dict], *, root: Path) -> pd.DataFrame:
    """Return the run metadata as (item, value) rows: inputs, params, code and packages."""
    commit = runinfo.git_commit(root)  # "<sha> (with uncommitted changes)" from a dirty tree
    dirty = commit.endswith(" (with uncommitted changes)")
    shown = commit.split(" ", 1)[0] + (" " + _("(with uncommitted changes)") if dirty else "")
    rows = [(_("Unit"), params.unit), (_("Code version (git)"), shown)]
    for source in sources:
        rows.append((_("Input {path}").format(path=source.get("path")), f"SHA-256 {source.get('sha256')}"))
        rows.append((_("Rows read from {path}").format(path=source.get("path")), fmt_int(source.get("rows_read"))))
    rows.append((_("Params digest (SHA-256 of the validated params)"), runinfo.params_digest(params)))
    rows.append((_("Random seed"), str(params.random_state)))
    rows.extend((_("Package {name}").format(name=name), version)
                for name, version in runinfo.package_versions().items())
    return pd.DataFrame(rows, columns=[_("Item"), _("Value")])


def metadata_table(facts: pd.DataFrame) -> Html:
    """Render the run metadata table."""
    return html_table(facts, formats={facts.columns[-1]: lambda v: str(v)}, max_rows=200)
