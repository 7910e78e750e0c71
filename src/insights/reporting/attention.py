"""Words and tables for the "Needs attention" list, the win-back list and "What changed".

Every sentence is built here (not in the notebook) so that it can be translated later.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from insights.reporting.core import (
    Html,
    bullet_list,
    fmt_customers,
    fmt_int,
    fmt_money,
    fmt_share,
    html_table,
    paragraph,
    sentence,
)
from insights.reporting.dependency_words import label_of, labels_of, scope_words
from insights.reporting.i18n import N_, _
from insights.reporting.labels import label_code, label_dimension
from insights.safety import neutralize_frame

#: The reasons, actions and money basis of ``insights.attention`` in the report's language (the
#: codes stay in summary.json and the exports' ``reasons`` column).
REASON_WORDS = {
    "declining": N_("buying far below its own run-rate"),
    "lapsing": N_("valuable and lapsing"),
    "loss_maker": N_("costs more than it brings after discounts and cost"),
    "single_manager": N_("large customer handled by a manager who carries a large share of revenue"),
}
ACTION_WORDS = {
    "declining": N_("call this week: ask why orders fell and agree the next order"),
    "lapsing": N_("contact before the customer is lost"),
    "loss_maker": N_("review discounts and cost to serve before renewing terms"),
    "single_manager": N_("introduce a second contact at the unit"),
}
BASIS_WORDS = N_(
    "money at stake is the part of the customer's own 12-month net revenue the reasons put at "
    "risk: four times the quarterly shortfall for a declining customer, the whole 12 months "
    "for any other reason; never above the customer's own revenue"
)


def reason_words(codes) -> str:
    """Return the reasons of one row ('declining', ...) as words in the report's language."""
    return "; ".join(_(REASON_WORDS.get(c, c)) for c in codes)


def action_words(codes) -> str:
    """Return the suggested actions of one row's reasons in the report's language."""
    return "; ".join(_(ACTION_WORDS.get(c, c)) for c in codes)


EXPORT_COLUMNS = (
    "customer", "customer_id", "account_manager", "reason_text", "reason_codes", "at_stake",
    "shortfall_quarter", "revenue_12m", "action",
)  # fmt: skip


def describe_attention(attention, *, labels: Mapping[str, str] | None, currency: str) -> Html:
    """Say how many customers need attention, the money involved, its basis and the first one."""
    table = attention.table
    if attention.status != "ok" or table.empty:
        return paragraph(sentence(_("No customer shows a warning sign this quarter.")))
    first = table.iloc[0]
    parts = [
        sentence(
            _("{n} customers need attention, with {total} at stake ({share} of {scope} "
            "12-month net revenue of {revenue})."),
            scope=scope_words(),
            n=fmt_int(len(table)),
            total=fmt_money(attention.total_at_stake, currency=currency),
            share=fmt_share(attention.total_at_stake / attention.unit_revenue)
            if attention.unit_revenue > 0
            else "–",
            revenue=fmt_money(attention.unit_revenue, currency=currency),
        ),
        sentence(_("How the money is counted: {basis}."), basis=_(attention.basis)),
        sentence(
            _("First: {name} ({manager}): {why}; {stake} at stake. Suggested: {action}."),
            name=label_of(first["customer_id"], labels),
            manager=_manager(first["account_manager"]),
            why=reason_words(first["reasons"]),
            stake=fmt_money(first["at_stake"], currency=currency),
            action=action_words(first["reasons"]),
        ),
    ]
    if "declining" in first["reasons"]:
        parts.append(decline_sentence(first, currency=currency))
    return paragraph(*parts)


def decline_sentence(row, *, currency: str) -> Html:
    """Say what a declining customer bought against its run-rate, and the shortfall."""
    template = _(
        "Over the latest two quarters it bought {latest} a quarter against a run-rate of "
        "{rate} a quarter before them: a shortfall of {gap} per quarter."
        if row["compared_quarters"] == 2
        else _("It bought {latest} this quarter against a run-rate of {rate} a quarter: a "
        "shortfall of {gap} per quarter.")
    )
    return sentence(
        template,
        latest=fmt_money(row["compared_revenue"], currency=currency),
        rate=fmt_money(row["compared_run_rate"], currency=currency),
        gap=fmt_money(row["shortfall_quarter"], currency=currency),
    )


def _manager(value: object) -> str:
    return _("no account manager") if value is None or pd.isna(value) else label_code("account_manager", value)


def attention_table(
    attention, *, labels: Mapping[str, str] | None, currency: str, top: int = 20
) -> Html:
    """Return the list as an HTML table (largest stake first, at most ``top`` rows)."""
    rows = attention.table.head(top)
    frame = pd.DataFrame(
        {
            _("Customer"): [label_of(c, labels) for c in rows["customer_id"]],
            _("Account manager"): [_manager(m) for m in rows["account_manager"]],
            _("Why"): rows["reasons"].map(reason_words).to_list(),
            _("At stake"): rows["at_stake"].to_list(),
            _("Shortfall per quarter"): rows["shortfall_quarter"]
            .where(rows["shortfall_quarter"] > 0)
            .to_list(),
            _("Suggested action"): rows["reasons"].map(action_words).to_list(),
        }
    )
    caption = _("Needs attention: {n} of {total} customers, largest stake first").format(
        n=fmt_int(len(rows)), total=fmt_int(len(attention.table))
    )
    formats = {_("At stake"): "money", _("Shortfall per quarter"): "money"}
    return html_table(frame, formats=formats, caption=caption, currency=currency)


#: What the win-back list says of a customer in the win-back experiment (``experiments``).
EXPERIMENT_WORDS = {"test": N_("test group: make the offer"),
                    "control": N_("control group: no offer this quarter")}


def experiment_groups(customer_ids: pd.Series, split: pd.DataFrame | None) -> pd.Series:
    """Return each customer's experiment group ("test", "control") or "" (not in the experiment)."""
    if split is None or split.empty:
        return pd.Series("", index=customer_ids.index, dtype=object)
    groups = split.drop_duplicates("customer_id").set_index("customer_id")["group"]
    return customer_ids.map(groups).fillna("").astype(object)


def describe_win_back(
    attention, *, labels: Mapping[str, str] | None, currency: str, top: int = 10,
    split: pd.DataFrame | None = None,
) -> Html:
    """Describe the separate win-back list: customers gone longer than the horizon.

    ``split`` is this quarter's win-back experiment (``experiments.split_win_back``): its
    control group gets no offer, and the text says how many of the list that is.
    """
    gone = attention.win_back
    parts = [
        sentence(
            _("{n} customers have bought nothing for more than {h} days but less than {m}: a "
            "win-back offer, not a routine call."),
            n=fmt_int(len(gone)),
            h=fmt_int(attention.horizon_days),
            m=fmt_int(attention.winback_max_days),
        )
    ]
    control = int(experiment_groups(gone["customer_id"], split).eq("control").sum()) if len(gone) else 0
    if control:
        parts.append(sentence(
            _("Of this win-back list, {c} are the win-back experiment's control group: no offer "
              "to them this quarter, or the experiment cannot show what the offer is worth (the "
              "exported list says who)."), c=fmt_int(control)))
    if attention.gone_for_good:
        parts.append(sentence(_("{old} customers gone longer are on no list."),
                              old=fmt_int(attention.gone_for_good)))
    if len(gone):
        names = [
            _("{name} ({money} ever)").format(
                name=label_of(r.customer_id, labels), money=fmt_money(r.monetary_total, currency=currency))
            for r in gone.head(top).itertuples()
        ]
        parts.append(sentence(_("Largest: {names}."), names="; ".join(names)))
    return paragraph(*parts)


def attention_records(attention, *, labels: Mapping[str, str] | None) -> list[dict]:
    """Return the list as JSON-ready objects for ``summary.json`` (``attention``)."""
    names = labels_of(attention.table["customer_id"], labels)
    return [
        {
            "customer": name,
            "account_manager": None if pd.isna(r.account_manager) else str(r.account_manager),
            "reasons": list(r.reasons),
            "reason_text": r.reason_text,
            "at_stake": float(r.at_stake),
            "shortfall_quarter": float(r.shortfall_quarter),
            "action": r.action,
        }
        for r, name in zip(attention.table.itertuples(), names, strict=True)
    ]


def attention_exports(attention, *, labels: Mapping[str, str] | None,
                      split: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Return export tables: ``export_attention`` (the action list) and ``export_win_back``.

    Publishing splits the action list per account manager (``publish.artifacts.SPLIT_BY_MANAGER``:
    a sheet each in its workbook and a CSV each), so there is one list per manager.

    ``labels`` is the report's label map (``dependency.customer_label_map``), so a customer is
    named or pseudonymised exactly as in the report. Managers are numbered in name order (file
    names stay ASCII); each table carries the manager's name in its ``account_manager`` column.
    """
    frame = attention.table.assign(
        customer=labels_of(attention.table["customer_id"], labels),
        reason_codes=attention.table["reasons"].map(" ".join),
        reason_text=attention.table["reasons"].map(reason_words),
        action=attention.table["reasons"].map(action_words),
    )
    money = ["at_stake", "shortfall_quarter", "revenue_12m"]  # to the kopeck, as a ledger shows it
    frame = frame.assign(**{c: frame[c].astype(float).round(2) for c in money if c in frame.columns})
    frame = neutralize_frame(frame[list(EXPORT_COLUMNS)].reset_index(drop=True))
    gone = attention.win_back
    win_back = gone.assign(
        customer=labels_of(gone["customer_id"], labels),
        monetary_total=gone["monetary_total"].astype(float).round(2),
        experiment_group=experiment_groups(gone["customer_id"], split).map(
            lambda g: _(EXPERIMENT_WORDS[g]) if g in EXPERIMENT_WORDS else ""),
    )
    columns = ["customer", "customer_id", "account_manager", "recency_days", "monetary_total",
               "experiment_group"]
    tables = {
        "export_attention": frame,
        "export_win_back": neutralize_frame(win_back[columns].reset_index(drop=True)),
    }
    return tables


def describe_changes(changes, *, labels: Mapping[str, str] | None, currency: str) -> Html:
    """List the biggest movements since the previous quarter (mix: since a year ago)."""
    if changes.status != "ok" or changes.table.empty:
        return paragraph(sentence("{reason}", reason=_(changes.reason) if changes.reason else _("Nothing moved.")))
    items = []
    for row in changes.table.itertuples():
        items.append(_change_item(row, labels, currency))
    return bullet_list(items)


def _change_item(row, labels, currency: str) -> Html:
    if row.kind == "customer":
        return sentence(
            _("Customer {name}: {now} this quarter against {prev} the quarter before and {year} "
            "a year ago."),
            name=label_of(row.item, labels),
            now=fmt_money(row.now, currency=currency),
            prev=fmt_money(row.previous_quarter, currency=currency),
            year=fmt_money(row.year_ago, currency=currency),
        )
    if row.kind == "account_manager":
        return sentence(
            _("Account manager {name}: customers bought {now} this quarter against {prev} the "
            "quarter before and {year} a year ago."),
            name=label_code("account_manager", row.item),
            now=fmt_money(row.now, currency=currency),
            prev=fmt_money(row.previous_quarter, currency=currency),
            year=fmt_money(row.year_ago, currency=currency),
        )
    if row.kind == "segment":
        return sentence(
            _("Segment {name}: {now} against {prev} at the previous quarter's end."),
            name=label_code("segment", row.item), now=fmt_customers(int(row.now)),
            prev=fmt_int(row.previous_quarter),
        )  # fmt: skip
    return sentence(
        _("Mix {name}: {now} of 12-month revenue against {year} a year earlier."),
        name=_mix_item(row.item), now=fmt_share(row.now), year=fmt_share(row.year_ago),
    )  # fmt: skip


def _mix_item(item: object) -> str:
    """Return a mix item ('product line: extended_warranty') with its dimension and value labelled."""
    dimension, _sep, value = str(item).partition(": ")
    if not _sep:
        return str(item)
    code = dimension.replace(" ", "_")
    return f"{label_dimension(code)}: {label_code(code, value)}"
