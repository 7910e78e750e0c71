"""Words and tables for the "Needs attention" list, the win-back list and "What changed".

Every sentence is built here (not in the notebook) so that it can be translated later.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from insights.reporting.core import (
    Html,
    bullet_list,
    fmt_int,
    fmt_money,
    fmt_share,
    html_table,
    paragraph,
    sentence,
)
from insights.reporting.dependency import label_of
from insights.safety import neutralize_frame

EXPORT_COLUMNS = (
    "customer", "customer_id", "account_manager", "reasons", "reason_text", "at_stake",
    "shortfall_quarter", "revenue_12m", "action",
)  # fmt: skip


def describe_attention(attention, *, labels: Mapping[str, str] | None, currency: str) -> Html:
    """Say how many customers need attention, the money involved, its basis and the first one."""
    table = attention.table
    if attention.status != "ok" or table.empty:
        return paragraph(sentence("No customer shows a warning sign this quarter."))
    first = table.iloc[0]
    parts = [
        sentence(
            "{n} customers need attention, with {total} at stake ({share} of the unit's "
            "12-month net revenue of {revenue}).",
            n=fmt_int(len(table)),
            total=fmt_money(attention.total_at_stake, currency=currency),
            share=fmt_share(attention.total_at_stake / attention.unit_revenue)
            if attention.unit_revenue > 0
            else "–",
            revenue=fmt_money(attention.unit_revenue, currency=currency),
        ),
        sentence("How the money is counted: {basis}.", basis=attention.basis),
        sentence(
            "First: {name} ({manager}): {why}; {stake} at stake. Suggested: {action}.",
            name=label_of(first["customer_id"], labels),
            manager=_manager(first["account_manager"]),
            why=first["reason_text"],
            stake=fmt_money(first["at_stake"], currency=currency),
            action=first["action"],
        ),
    ]
    if "declining" in first["reasons"]:
        parts.append(decline_sentence(first, currency=currency))
    return paragraph(*parts)


def decline_sentence(row, *, currency: str) -> Html:
    """Say what a declining customer bought against its run-rate, and the shortfall."""
    template = (
        "Over the latest two quarters it bought {latest} a quarter against a run-rate of "
        "{rate} a quarter before them: a shortfall of {gap} per quarter."
        if row["compared_quarters"] == 2
        else "It bought {latest} this quarter against a run-rate of {rate} a quarter: a "
        "shortfall of {gap} per quarter."
    )
    return sentence(
        template,
        latest=fmt_money(row["compared_revenue"], currency=currency),
        rate=fmt_money(row["compared_run_rate"], currency=currency),
        gap=fmt_money(row["shortfall_quarter"], currency=currency),
    )


def _manager(value: object) -> str:
    return "no account manager" if value is None or pd.isna(value) else str(value)


def attention_table(
    attention, *, labels: Mapping[str, str] | None, currency: str, top: int = 20
) -> Html:
    """Return the list as an HTML table (largest stake first, at most ``top`` rows)."""
    rows = attention.table.head(top)
    frame = pd.DataFrame(
        {
            "Customer": [label_of(c, labels) for c in rows["customer_id"]],
            "Account manager": [_manager(m) for m in rows["account_manager"]],
            "Why": rows["reason_text"].to_list(),
            "At stake": rows["at_stake"].to_list(),
            "Shortfall per quarter": rows["shortfall_quarter"]
            .where(rows["shortfall_quarter"] > 0)
            .to_list(),
            "Suggested action": rows["action"].to_list(),
        }
    )
    caption = (
        f"Needs attention: {len(rows)} of {len(attention.table)} customers, largest stake first"
    )
    formats = {"At stake": "money", "Shortfall per quarter": "money"}
    return html_table(frame, formats=formats, caption=caption, currency=currency)


def describe_win_back(
    attention, *, labels: Mapping[str, str] | None, currency: str, top: int = 10
) -> Html:
    """Describe the separate win-back list: customers gone longer than the horizon."""
    gone = attention.win_back
    parts = [
        sentence(
            "{n} customers have bought nothing for more than {h} days but less than {m}: a "
            "win-back offer, not a routine call. {old} customers gone longer are on no list.",
            n=fmt_int(len(gone)),
            h=fmt_int(attention.horizon_days),
            m=fmt_int(attention.winback_max_days),
            old=fmt_int(attention.gone_for_good),
        )
    ]
    if len(gone):
        names = [
            f"{label_of(r.customer_id, labels)} ({fmt_money(r.monetary_total, currency=currency)} ever)"
            for r in gone.head(top).itertuples()
        ]
        parts.append(sentence("Largest: {names}.", names="; ".join(names)))
    return paragraph(*parts)


def attention_records(attention, *, labels: Mapping[str, str] | None) -> list[dict]:
    """Return the list as JSON-ready objects for ``summary.json`` (``attention``)."""
    return [
        {
            "customer": label_of(r.customer_id, labels),
            "account_manager": None if pd.isna(r.account_manager) else str(r.account_manager),
            "reasons": list(r.reasons),
            "reason_text": r.reason_text,
            "at_stake": float(r.at_stake),
            "shortfall_quarter": float(r.shortfall_quarter),
            "action": r.action,
        }
        for r in attention.table.itertuples()
    ]


def attention_exports(attention, *, labels: Mapping[str, str] | None) -> dict[str, pd.DataFrame]:
    """Return export tables: ``export_attention``, ``export_win_back`` and one
    ``export_attention_manager_<n>`` per account manager.

    ``labels`` is the report's label map (``dependency.customer_label_map``), so a customer is
    named or pseudonymised exactly as in the report. Managers are numbered in name order (file
    names stay ASCII); each table carries the manager's name in its ``account_manager`` column.
    """
    frame = attention.table.assign(
        customer=[label_of(c, labels) for c in attention.table["customer_id"]],
        reasons=attention.table["reasons"].map(" ".join),
    )
    frame = neutralize_frame(frame[list(EXPORT_COLUMNS)].reset_index(drop=True))
    gone = attention.win_back
    win_back = gone.assign(customer=[label_of(c, labels) for c in gone["customer_id"]])
    columns = ["customer", "customer_id", "account_manager", "recency_days", "monetary_total"]
    tables = {
        "export_attention": frame,
        "export_win_back": neutralize_frame(win_back[columns].reset_index(drop=True)),
    }
    managers = sorted(frame["account_manager"].dropna().astype(str).unique())
    for number, manager in enumerate(managers, start=1):
        tables[f"export_attention_manager_{number}"] = frame[frame["account_manager"] == manager]
    return tables


def describe_changes(changes, *, labels: Mapping[str, str] | None, currency: str) -> Html:
    """List the biggest movements since the previous quarter (mix: since a year ago)."""
    if changes.status != "ok" or changes.table.empty:
        return paragraph(sentence("{reason}", reason=changes.reason or "Nothing moved."))
    items = []
    for row in changes.table.itertuples():
        items.append(_change_item(row, labels, currency))
    return bullet_list(items)


def _change_item(row, labels, currency: str) -> Html:
    if row.kind == "customer":
        return sentence(
            "Customer {name}: {now} this quarter against {prev} the quarter before and {year} "
            "a year ago.",
            name=label_of(row.item, labels),
            now=fmt_money(row.now, currency=currency),
            prev=fmt_money(row.previous_quarter, currency=currency),
            year=fmt_money(row.year_ago, currency=currency),
        )
    if row.kind == "account_manager":
        return sentence(
            "Account manager {name}: customers bought {now} this quarter against {prev} the "
            "quarter before and {year} a year ago.",
            name=row.item,
            now=fmt_money(row.now, currency=currency),
            prev=fmt_money(row.previous_quarter, currency=currency),
            year=fmt_money(row.year_ago, currency=currency),
        )
    if row.kind == "segment":
        return sentence(
            "Segment {name}: {now} customers against {prev} at the previous quarter's end.",
            name=row.item, now=fmt_int(row.now), prev=fmt_int(row.previous_quarter),
        )  # fmt: skip
    return sentence(
        "Mix {name}: {now} of 12-month revenue against {year} a year earlier.",
        name=row.item, now=fmt_share(row.now), year=fmt_share(row.year_ago),
    )  # fmt: skip
