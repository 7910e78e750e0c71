"""Counts in words for sentences an executive reads: "1 customer", "2,936 customers"."""

from __future__ import annotations


def count_of(n: int, noun: str, plural: str | None = None) -> str:
    """Return ``n`` with thousands separators and ``noun`` in the number ``n`` asks for.

    ``plural`` defaults to ``noun + "s"``.

    >>> count_of(1, "customer"), count_of(2936441, "customer"), count_of(0, "id")
    ('1 customer', '2,936,441 customers', '0 ids')
    >>> count_of(2, "behaviour profile"), count_of(3, "entity", "entities")
    ('2 behaviour profiles', '3 entities')
    """
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"
