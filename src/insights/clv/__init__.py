"""Lifetime value: BG/NBD, Gamma-Gamma, the holdout check and the value per customer."""

from insights.clv.build import (  # noqa: F401
    ClvData,
    ClvResult,
    build_clv,
    list_valuable_at_risk,
    p_alive_by_customer,
    summarize_clv_by,
    summarize_lifetime_by_purchases,
)
