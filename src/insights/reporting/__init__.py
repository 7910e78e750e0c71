"""Executive text and tables: headline sentences, KPI cards, escaped HTML.

``reporting.core`` holds the building blocks; one module per report section
(``reporting.dependency``, ``reporting.behaviour``, ...) turns findings into sentences.
"""

from insights.reporting import (  # the section modules, for the notebook
    account_lists,
    attention,
    behaviour,
    clusters,
    clv,
    dependency,
    headline,
    key_customers,
    quality,
    sections,
)
from insights.reporting.core import (
    Card,
    Html,
    bullet_list,
    customer_labels,
    escape_text,
    fmt_int,
    fmt_money,
    fmt_number,
    fmt_share,
    html_table,
    kpi_cards,
    note,
    paragraph,
    sentence,
    verdict_badge,
)

__all__ = [
    "account_lists",
    "attention",
    "behaviour",
    "clusters",
    "clv",
    "dependency",
    "headline",
    "key_customers",
    "quality",
    "sections",
    "Card",
    "Html",
    "bullet_list",
    "customer_labels",
    "escape_text",
    "fmt_int",
    "fmt_money",
    "fmt_number",
    "fmt_share",
    "html_table",
    "kpi_cards",
    "note",
    "paragraph",
    "sentence",
    "verdict_badge",
]
