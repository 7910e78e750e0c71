"""The quarantine layout and the vocabulary of reject rules, shared by loading and cleaning."""

from __future__ import annotations

from insights.schema import REJECT_COLUMNS

#: Columns of a rejected-rows frame before the row's original columns.
QUARANTINE_COLUMNS = REJECT_COLUMNS + ("rule", "amount_value")

#: Every reject rule code (loading's structural ones first) with a plain-language label.
REJECT_RULES = {
    "repeated_header": "line repeats the header",
    "too_many_fields": "row has more fields than the header",
    "too_few_fields": "row has fewer fields than the header",
    "unterminated_quote": "quoted value never closed",
    "malformed_quotes": "malformed quoting",
    "too_long_value": "value longer than the CSV field limit",
    "nul_byte": "line holds a NUL byte",
    "undecodable": "line holds bytes that do not decode",
    "formula_without_value": "Excel formula without a computed value",
    "total_row": "total or subtotal row",
    "missing_customer_id": "customer id is empty",
    "missing_amount": "amount is empty",
    "bad_amount": "amount is not a number",
    "missing_date": "order date is empty",
    "bad_date": "order date is not a date",
    "date_in_future": "order date after the export date",
    "date_too_old": "order date before source.min_date",
    "date_out_of_range": "order date past 2262 (a placeholder?)",
    "other_currency": "currency other than the unit's",
    "placeholder_amount": "placeholder amount (all nines, 999 999 999 and up)",
    "amount_out_of_range": "amount outside the plausible range",
    "bad_number": "cost, margin or discount is not a number",
    "bad_flag": "is_reference is not yes/no",
    "duplicate_row": "exact duplicate of an earlier row",
    "order_conflict": "same order id with conflicting values",
}


class InputError(ValueError):
    """Raised when a column reads two ways; the message gives examples and the param to set."""
