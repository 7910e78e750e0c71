"""Human labels for data codes: ``small_business`` -> "Малый бизнес" / "Small business".

A unit's params may label each dimension's values in each language
(``report.labels: {customer_type: {small_business: {ru: Малый бизнес, en: Small business}}}``);
``set_labels`` installs them for the run (plain module state, like the language) and
``label_code`` is the one function every table, chart and sentence uses to show a code. A code
without a label is shown readably (underscores to spaces, first letter capitalised), never as
snake_case.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from insights.reporting.i18n import N_, _, current_language, set_language
from insights.safety import clean_display_text

_state: dict = {"labels": {}, "max_length": 40, "scope": "unit"}
#: Names the toolkit itself gives (lifecycle and default RFM segments): translated by the
#: catalogue when params give no label.
KNOWN_NAMES = frozenset((
    N_("New"), N_("Regular"), N_("Occasional"), N_("One-time"), N_("Lost"),
    N_("Champions"), N_("Loyal"), N_("Potential loyalist"), N_("Promising"), N_("Need attention"),
    N_("About to sleep"), N_("Cannot lose them"), N_("At risk"), N_("Hibernating"), N_("RFM segments"),
    N_("Other"),  # segments.rfm_segments: customers no RFM rule matches
    N_("(not yet a customer)"),  # segments.NOT_YET, the first row of the movement heatmap
))
#: Readable forms of codes common in CRM exports (channels, sources, customer types, product
#: lines), translated by the catalogue; a unit's own codes are labelled in its params.
COMMON_CODES = (
    N_("Dealership"), N_("Online"), N_("Phone"), N_("Partner"), N_("Referral"), N_("Website"),
    N_("Advertising"), N_("Cold call"), N_("Event"), N_("Small business"), N_("Fleet operator"),
    N_("Corporate"), N_("Leasing company"), N_("Private"), N_("Vehicles"), N_("Insurance"),
    N_("One time"), N_("Extended warranty"), N_("Maintenance"), N_("Repair"), N_("Parts"), N_("Service"), N_("Unknown"),
)
#: Dimension names as a reader says them (``label_dimension``).
DIMENSION_NAMES = (
    N_("customer type"), N_("product line"), N_("channel"), N_("region"), N_("account manager"),
    N_("acquisition source"), N_("unit"), N_("segment"), N_("cluster"),
)
_CODE = re.compile(r"^[a-z0-9]+(?:[_\-.][a-z0-9]+)*$")


def set_labels(labels: Mapping[str, Mapping[str, Mapping[str, str]]] | None) -> None:
    """Install the display labels of data codes (``report.labels`` in params) for this run."""
    _state["labels"] = {
        str(dim): {str(code): dict(texts) for code, texts in (values or {}).items()}
        for dim, values in (labels or {}).items()
    }


def use_report_params(report) -> str:
    """Set the run's language and code labels from ``params.report``; return the language.

    The report notebook calls this once in its setup cell; every ``fmt_*``, ``_()`` and
    ``label_code`` after it follows.
    """
    set_labels(report.labels)
    _state["max_length"] = report.max_name_length
    _state["scope"] = "unit"  # until the pipeline finds several units' revenue (set_scope)
    return set_language(report.language)


def set_scope(scope: str) -> None:
    """Say whose revenue the report's sentences speak of: "unit" or "group" (several units)."""
    _state["scope"] = "group" if scope == "group" else "unit"


def current_scope() -> str:
    """Return "unit" or "group" (``set_scope``)."""
    return str(_state["scope"])


def readable_code(code: object) -> str:
    """Return a code written for a reader: 'small_business' -> 'Small business'.

    Text that is not a lowercase code (a name, 'VIP', 'Москва') is kept as it is.

    >>> readable_code("small_business"), readable_code("online-shop"), readable_code("ООО Ромашка")
    ('Small business', 'Online shop', 'ООО Ромашка')
    """
    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return "–"
    text = clean_display_text(code, max_length=200)
    if not _CODE.fullmatch(text) or text.isdigit():
        return text
    words = re.sub(r"[_\-.]+", " ", text)
    return words[:1].upper() + words[1:]


def label_code(dimension: str, code: object) -> str:
    """Return the display label of ``code`` in ``dimension``, in the current language.

    A label from params wins; then the project's catalogue (a code such as ``referral`` that
    the toolkit itself knows); else the readable form of the code, shortened to the
    report's ``max_name_length``.

    >>> set_labels({"region": {"moscow": {"ru": "Москва", "en": "Moscow"}}})
    >>> label_code("region", "moscow"), label_code("customer_type", "small_business")
    ('Moscow', 'Small business')
    >>> set_labels(None)
    """
    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return "–"
    texts = _state["labels"].get(str(dimension), {}).get(str(code))
    if texts:
        chosen = texts.get(current_language())
        if chosen:
            return clean_display_text(chosen, max_length=200)
    readable = clean_display_text(readable_code(code), max_length=_state["max_length"])
    return _(readable) if _CODE.fullmatch(str(code)) or readable in KNOWN_NAMES else readable


def label_dimension(dimension: str) -> str:
    """Return a dimension's name for a reader: 'customer_type' -> 'customer type' (ru: 'тип клиента')."""
    return _(str(dimension).replace("_", " "))


def label_series(values: pd.Series, *, dimension: str) -> pd.Series:
    """Return ``values`` (codes) as display labels, a new Series of the same index."""
    return values.map(lambda code: label_code(dimension, code), na_action=None)


#: Readable names of the canonical columns in exports and tables (translated through ``_``).
COLUMN_LABELS = {
    "key_rank": N_("Rank"), "customer": N_("Customer"), "customer_id": N_("Customer ID"),
    "score": N_("Key-customer score"), "category": N_("Category"), "loss_maker": N_("Loss-maker"),
    "override": N_("Set by hand"), "reasons": N_("Reasons"), "revenue_12m": N_("Revenue, last 12 months"),
    "revenue_prev_12m": N_("Revenue, previous 12 months"), "contribution": N_("Contribution"),
    "margin_rate": N_("Margin rate"), "account_manager": N_("Account manager"),
    "revenue_at_stake": N_("Revenue at stake"), "recency_days": N_("Days since last purchase"),
    "mean_gap_days": N_("Usual days between purchases"), "p_alive": N_("Probability still active"),
    "signals": N_("Signals"), "group": N_("Group"), "stratum": N_("Value band (1 = lowest)"), "value": N_("Revenue, all time"),
    "at_stake": N_("At stake"), "action": N_("Action"), "reason": N_("Reason"),
    "source_file": N_("Source file"), "source_line": N_("Line"), "column": N_("Column"),
    "raw_value": N_("Raw text"), "order_date": N_("Order date"), "amount": N_("Amount"),
    "segment": N_("Segment"), "customer_type": N_("Customer type"), "region": N_("Region"),
    "channel": N_("Channel"), "product_line": N_("Product line"), "acquisition_source": N_("Acquisition source"),
    "reason_text": N_("Reasons"), "reason_codes": N_("Reason codes"), "shortfall_quarter": N_("Shortfall per quarter"),
    "monetary_total": N_("Total spend"), "rule": N_("Rule code"), "amount_value": N_("Amount as a number"),
    "order_id": N_("Order ID"), "unit": N_("Unit"), "customer_name": N_("Customer name"),
    "currency": N_("Currency"), "cost": N_("Cost"), "discount": N_("Discount"),
    "is_reference": N_("Reference customer"), "experiment_group": N_("Win-back experiment"),
    "reason_detail": N_("Details (as the check wrote them, in English)"),
}  # fmt: skip


def label_column(name: str) -> str:
    """Return a column's readable name in the current language: 'revenue_12m' -> 'Revenue, last 12 months'.

    >>> label_column("revenue_12m"), label_column("days_late")
    ('Revenue, last 12 months', 'Days late')
    """
    known = COLUMN_LABELS.get(str(name))
    return _(known) if known else readable_code(name)


#: Express-test labels and HHI bands as a reader sees them (the codes stay in summary.json).
VERDICT_LABELS = {
    "green": N_("green"), "yellow": N_("yellow"), "red": N_("red"),
    "yellow (stressed)": N_("yellow (stressed)"), "grey": N_("grey"),
}
HHI_BANDS = {
    "unconcentrated": N_("unconcentrated"), "moderately concentrated": N_("moderately concentrated"),
    "highly concentrated": N_("highly concentrated"), "not applicable": N_("not applicable"),
    "unknown": N_("unknown"), "even": N_("even"), "uneven": N_("uneven"),
    "dominated by a few": N_("dominated by a few"), "a single category": N_("a single category"),
}  # fmt: skip


def verdict_label(label: str | None) -> str:
    """Return an express-test label ('yellow (stressed)') in capitals, in the report's language."""
    if not label:
        return _("not judged")
    return _(VERDICT_LABELS.get(label, label)).upper()


def band_label(band: str | None) -> str:
    """Return an HHI band ('highly concentrated') in the report's language."""
    return _(HHI_BANDS.get(str(band), str(band)))


#: Fixed sentences the analyses return as a ``reason`` (English, kept in summary.json); the
#: report passes every reason through ``_()``, so these read in the report's language.
KNOWN_REASONS = (
    N_("The data has no account manager column."),
    N_("No customer has positive net revenue, so no revenue is at risk."),
    N_("Only one unit has revenue, so nobody can buy from several."),
    N_("No customer has positive net revenue, so concentration cannot be measured."),
    N_("No customers were acquired in the quarters shown."),
    N_("The purchase model's fit did not converge on this data"),
    N_("No repeat buyer has a positive spend after returns"),
    N_("No customers."),
)
