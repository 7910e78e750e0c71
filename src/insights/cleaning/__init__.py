"""Clean raw transactions: parse, validate and quarantine with a reason."""

from insights.cleaning.transactions import (  # noqa: F401
    QUARANTINE_COLUMNS,
    REJECT_RULES,
    CleanResult,
    InputError,
    clean_transactions,
    summarize_quality,
)
