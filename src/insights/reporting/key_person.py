"""Executive sentences and the table of key-person risk: revenue per account manager.

Takes ``key_person.ManagerRisk`` and returns escaped ``Html``, e.g. "Ann handles 68.9% of
the unit's revenue; if they left taking the 12 customers they mainly serve, ...".
"""

from __future__ import annotations

from insights.key_person import UNASSIGNED
from insights.reporting.core import (
    Html,
    fmt_int,
    fmt_number,
    fmt_share,
    html_table,
    paragraph,
    sentence,
)
from insights.reporting.dependency_words import fmt_hhi, long_text, scope_words, verdict_words
from insights.reporting.i18n import N_, _
from insights.reporting.labels import band_label, label_code


def describe_manager_risk(risk, *, scope: str | None = None) -> Html:
    """Describe key-person risk: the largest exposure by name, and single-manager customers.

    ``risk`` is ``key_person.ManagerRisk``. Manager names are escaped.
    """
    if risk.status != "ok" or not risk.largest:
        reason = _(risk.reason) if risk.reason else _("No manager is assigned.")
        return paragraph(sentence("{reason}", reason=long_text(reason)))
    top = risk.largest
    first = sentence(
        _("{manager} handles {share} of {scope} revenue; if they left taking the {n} "
        "customers they mainly serve, {risk} of revenue would be at risk ({verdict})."),
        manager=top["account_manager"],
        share=fmt_share(top["revenue_share"]),
        scope=scope_words(scope),
        n=fmt_int(top["customers_at_risk"]),
        risk=fmt_share(top["at_risk_share"]),
        verdict=verdict_words(top["verdict"]),
    )
    unassigned = risk.table[risk.table["account_manager"] == UNASSIGNED]
    second = sentence(
        _("{single} of {total} customers deal with a single manager; across {m} managers the HHI "
        "is {hhi} ({band} against an even split over {m} managers), as if revenue were spread over {eff} equally large managers."),
        single=fmt_int(risk.single_manager_customers),
        total=fmt_int(risk.customers),
        m=fmt_int(len(risk.table) - len(unassigned)),
        hhi=fmt_hhi(risk.concentration.hhi),
        band=band_label(risk.concentration.hhi_band),
        eff=fmt_number(risk.concentration.effective_number),
    )
    parts = [first, second]
    if len(unassigned):
        parts.append(
            sentence(
                _("{share} of revenue has no account manager in the data; it is listed as "
                "{label} and left out of the managers' concentration."),
                share=fmt_share(unassigned["revenue_share"].iloc[0]),
                label=label_code("account_manager", UNASSIGNED),
            )
        )
    return paragraph(*parts)


def manager_table(risk, *, currency: str = "RUB") -> Html:
    """Return the per-manager key-person table as escaped HTML (headers in the report's language)."""
    if risk.table.empty:
        return Html("")
    frame = risk.table[list(_MANAGER_COLUMNS)].assign(
        account_manager=risk.table["account_manager"].map(lambda m: label_code("account_manager", m)),
        verdict=risk.table["verdict"].map(_verdict_short),
    )
    kinds = {"revenue": "money", "revenue_share": "share", "customers": "int", "sole_customers": "int",
             "customers_at_risk": "int", "revenue_at_risk": "money", "at_risk_share": "share"}  # fmt: skip
    headers = {column: _(text) for column, text in _MANAGER_COLUMNS.items()}
    return html_table(
        frame.rename(columns=headers),
        formats={headers[c]: kind for c, kind in kinds.items()},
        currency=currency,
        caption=_(
            "Revenue at risk if a manager leaves. Revenue for 12 months is what the manager handles; "
            "revenue at risk is all the 12-month revenue of the customers they mainly serve, "
            "who would follow them, so it can exceed what the manager handles."
        ),
    )


_MANAGER_COLUMNS = {
    "account_manager": N_("Manager"),
    "revenue": N_("Revenue, 12 months"),
    "revenue_share": N_("Revenue share"),
    "customers": N_("Customers"),
    "sole_customers": N_("Single-manager customers"),
    "customers_at_risk": N_("Customers who would follow"),
    "revenue_at_risk": N_("Revenue at risk"),
    "at_risk_share": N_("Share at risk"),
    "verdict": N_("Risk"),
}
_VERDICT_SHORT = {"severe": N_("severe"), "high": N_("high"), "moderate": N_("moderate"), "low": N_("low"),
                  "unknown": N_("unknown")}  # fmt: skip


def _verdict_short(verdict: object) -> str:
    return _(_VERDICT_SHORT.get(str(verdict), str(verdict)))
