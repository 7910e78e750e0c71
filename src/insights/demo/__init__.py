"""Generate the deterministic demo export of a car-dealer group with four business units.

``build_demo_transactions(unit)`` returns the canonical transactions of one unit (no
lineage); ``write_demo_exports(out_dir)`` writes them as a Russian CRM/1C export,
``<out_dir>/<unit>.csv`` (UTF-8 with BOM, ``;``, CRLF, decimal comma, U+00A0 thousands,
``dd.mm.yyyy``, Russian headers, see ``EXPORT_COLUMNS``), plus a ``.complete`` marker.
Same seed, byte-identical files. History 2023-01-01 .. 2026-09-30 (2026Q3 is the latest
complete quarter; the export is dated 2026-10-01).

Planted truths (as of 2026-09-30; T12M = 2025-10-01 .. 2026-09-30; tested in
``tests/test_demo.py`` with plain pandas):

* corporate: ~40 customers. One of them carries ``CORPORATE_KEY_SHARE`` (57%) of the
  unit's T12M net revenue over customers with positive T12M revenue, so HHI > 1800. It
  orders monthly until 2026-03, then only once in 2026Q2 and once in 2026Q3 at about a
  sixth of its usual size: a regular (3+ purchases in the 180 days to the date) at the
  end of 2026Q2, no longer one at the end of 2026Q3. Its account manager holds > 50% of
  the unit's T12M revenue.
* fleet: ~1,500 small companies buying vehicles (with insurance and warranty add-ons) and
  maintenance, repair and insurance steadily; regulars >= 35% of active customers; top-1
  share < 5%. About 30 big fleet buyers get heavy vehicle discounts (low margin); the six
  biggest get the deepest and lose money over T12M (contribution = amount - cost < 0, as
  do a few small customers whose T12M rows are mostly returns), so a ranking by
  contribution differs from the one by revenue; ~150 smaller loyal customers get no
  vehicle discount. The referral share of new customers rises every year (about 16% of
  those acquired in 2023, 45% in 2026); a few customers are references (``is_reference``).
* retail: ~6,500 private buyers, mostly a single purchase (one-time buyers >= 60%).
* service: ~2,600 customers visiting several times a year for maintenance, repair,
  insurance and warranty; ~30% of fleet customers are also service customers with the same
  ``customer_id`` and name (cross-selling inside the group).
* every unit: referral among acquisition sources, online among channels, cost and discount
  per line, returns (~2% of lines) as negative lines carrying the ``order_id`` of the
  customer's earlier purchase, dated 3-45 days after it.

Dirty rows, only in the written export (``DIRTY_ROW_KINDS``, ``DIRTY_ROWS_PER_UNIT`` per
file): a line with an empty customer code, a line whose amount is ``н/д``, an exact copy of
a line right after it, a line dated 15.03.2027 (after the export date), and a last
``Итого`` row whose ``Сумма`` is the sum of every parseable amount above it.

The package: ``specs`` (the units' parameters and the planted constants), ``transactions``
(drawing customers, orders and lines), ``export`` (the CSV text with its dirty rows).
"""

from insights.demo.export import export_demo_csv, write_demo_exports
from insights.demo.specs import (
    CORPORATE_KEY_SHARE,
    DEFAULT_SEED,
    DEMO_UNITS,
    DIRTY_ROW_KINDS,
    DIRTY_ROWS_PER_UNIT,
    EXPORT_COLUMNS,
    EXPORT_DATE,
    FUTURE_DATE,
    HISTORY_END,
    HISTORY_START,
)
from insights.demo.transactions import build_demo_transactions

__all__ = [
    "CORPORATE_KEY_SHARE",
    "DEFAULT_SEED",
    "DEMO_UNITS",
    "DIRTY_ROWS_PER_UNIT",
    "DIRTY_ROW_KINDS",
    "EXPORT_COLUMNS",
    "EXPORT_DATE",
    "FUTURE_DATE",
    "HISTORY_END",
    "HISTORY_START",
    "build_demo_transactions",
    "export_demo_csv",
    "write_demo_exports",
]
