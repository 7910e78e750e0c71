"""insights: customer-base research toolkit.

Turns a business unit's transaction export into a quarterly answer to: who are our
customers, how dependent are we on a few of them, which groups behave alike, and what
should we do about each group. See README.md for the report and the params reference.
"""

from insights.params import Params, load_params

__all__ = ["Params", "customers_table", "load_params", "__version__"]
__version__ = "0.1.0"


def __getattr__(name: str):
    """Import ``customers_table`` on first use, so ``import insights`` stays light."""
    if name == "customers_table":
        from insights.analyst import customers_table

        return customers_table
    raise AttributeError(f"module 'insights' has no attribute {name!r}")
