"""Canonical column names and the shared input-contract check.

Every module speaks these names; source-specific names live only in a unit's
``column_map`` (params). ``require_columns`` is the one contract check that every
public function calls on entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where a frame is checked: `import insights` stays light
    import pandas as pd

#: Required transaction columns (domain.md, "Data contract").
REQUIRED = ("customer_id", "order_date", "amount")

#: Optional transaction columns, used when present.
OPTIONAL_TEXT = (
    "order_id",
    "unit",
    "customer_name",
    "customer_type",
    "product_line",
    "channel",
    "region",
    "account_manager",
    "acquisition_source",
    "currency",
)
OPTIONAL_NUMERIC = ("cost", "margin", "discount")
OPTIONAL_BOOL = ("is_reference",)
OPTIONAL = OPTIONAL_TEXT + OPTIONAL_NUMERIC + OPTIONAL_BOOL
CANONICAL = REQUIRED + OPTIONAL

#: Columns added by loading/cleaning to trace a row back to its source.
LINEAGE = ("source_file", "source_line")

#: Columns of a rejected-rows (quarantine) frame, before the original columns.
REJECT_COLUMNS = ("source_file", "source_line", "column", "raw_value", "reason")

#: Mix dimensions analysed for diversification when the data has them.
MIX_DIMENSIONS = ("product_line", "channel", "region", "customer_type", "unit")

#: Label of rows whose mix dimension (product line, channel, unit, ...) is missing.
UNKNOWN = "(unknown)"

#: Label of rows without an account manager.
UNASSIGNED = "(unassigned)"


class ContractError(ValueError):
    """Raised when a frame does not satisfy a function's input contract."""


def require_columns(frame: pd.DataFrame, columns: Iterable[str], *, where: str) -> None:
    """Check that ``frame`` has ``columns``; raise a ContractError saying what to do.

    Parameters
    ----------
    frame : DataFrame
        The input to check.
    columns : iterable of str
        Canonical column names the caller needs.
    where : str
        The calling function's name, used in the message.

    Examples
    --------
    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"customer_id": []}), ["customer_id"], where="f")
    """
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise ContractError(f"{where}: expected a pandas DataFrame, got {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ContractError(
            f"{where}: missing column(s) {', '.join(missing)}; present: "
            f"{', '.join(map(str, frame.columns)) or 'none'}. Map the source columns to these "
            "canonical names in the unit's params `column_map`."
        )
