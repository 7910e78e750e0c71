"""Every transaction-level aggregate, written once and run on ``insights.engine``."""

from insights.features import purchases, revenue  # noqa: F401
from insights.features.customers import (  # noqa: F401
    build_customer_features,
    customer_quarter_activity,
    first_purchases,
    line_bits,
    order_key,
    revenue_by,
    revenue_by_windows,
    sql,
)
