"""Make untrusted data safe to show: display text, pseudonyms, spreadsheet cells.

Customer names and notes come from exports we do not control. Before any of them reaches
an executive's browser, a spreadsheet or a plot, they pass through here.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import pandas as pd

#: Bidirectional overrides/isolates and marks (Trojan Source, CVE-2021-42574) and
#: zero-width characters that hide or reorder text.
_INVISIBLE = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u061c\u180e\u00ad]"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def clean_display_text(value: object, *, max_length: int = 60) -> str:
    """Return ``value`` as one line of plain text fit for display (not yet HTML-escaped).

    Removes bidi-override, zero-width and control characters, folds line breaks and runs
    of white space into one space, and shortens text longer than ``max_length`` with an
    ellipsis.

    >>> clean_display_text("ACME\\u202e gnp.exe", max_length=40)
    'ACME gnp.exe'
    >>> clean_display_text("x" * 10, max_length=5)
    'xxxx…'
    """
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    text = " ".join(text.split())
    if len(text) > max_length:
        text = text[: max_length - 1].rstrip() + "…"
    return text


def pseudonym(customer_id: object, *, salt: str) -> str:
    """Return a stable pseudonym for a customer: ``C-`` and 8 hex digits of a salted SHA-256.

    The same id and salt always give the same pseudonym, so a customer can be followed
    across quarters without being named.

    >>> pseudonym("000417", salt="fleet") == pseudonym("000417", salt="fleet")
    True
    >>> pseudonym("000417", salt="fleet").startswith("C-")
    True
    """
    digest = hashlib.sha256(f"{salt}\x1f{customer_id}".encode()).hexdigest()
    return f"C-{digest[:8].upper()}"


def neutralize_formula(value: object) -> object:
    """Return a spreadsheet-safe cell: text starting like a formula gets a leading quote.

    Follows OWASP's CSV-injection advice: a cell that starts with ``=``, ``+``, ``-``,
    ``@``, tab or carriage return (or their full-width forms) is prefixed with ``'`` so a
    spreadsheet shows it as text and never evaluates it. Numbers are left alone.

    >>> neutralize_formula("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralize_formula(-5.0)
    -5.0
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def neutralize_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` with every text cell and column name formula-safe.

    >>> neutralize_frame(pd.DataFrame({"name": ["=1+1", "ok"]}))["name"].tolist()
    ["'=1+1", 'ok']
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralize_formula, na_action="ignore")
    out.columns = [neutralize_formula(str(c)) for c in out.columns]
    return out
