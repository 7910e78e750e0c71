"""Property-based tests (hypothesis) for the core invariants every report rests on.

- cleaning: rows in = rows kept + rows rejected, each input line exactly once;
- concentration: shares of the positive total sum to one, HHI lies between 10000/n (n equal
  customers) and 10000 (one customer), the effective number between 1 and n, Gini in [0, 1);
- features and segments: the same transactions in another row order give the same customer
  features, and every customer gets exactly one lifecycle segment.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights import concentration as c
from insights.cleaning import clean_transactions
from insights.features.customers import build_customer_features
from insights.params import FeatureParams, LifecycleParams, SourceParams
from insights.segments import assign_lifecycle

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Cells as an export might hold them: good values, blanks, junk, separators and signs.
CUSTOMERS = st.sampled_from(["C1", "C2", " C3 ", "", "Ω", "007", "n/a"])
DATES = st.sampled_from(["01.02.2025", "31.12.2024", "2025-03-04", "", "x", "31.02.2025", "15.06.2026"])
AMOUNTS = st.sampled_from(["1 234,50", "5", "-3,25", "", "abc", "0", "1e3", "12,5,6", "99999"])


@SETTINGS
@given(st.lists(st.tuples(CUSTOMERS, DATES, AMOUNTS), min_size=1, max_size=40))
def test_cleaning_accounts_for_every_row_once(rows):
    raw = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    raw["source_file"] = "a.csv"
    raw["source_line"] = np.arange(2, len(raw) + 2)
    result = clean_transactions(raw, source=SourceParams(paths=["a.csv"], decimal=",", dayfirst=True))
    kept = set(result.kept["source_line"])
    rejected = set(result.rejected["source_line"])
    assert len(result.kept) + len(result.rejected) == len(raw) == result.rows_in
    assert kept.isdisjoint(rejected)
    assert kept | rejected == set(raw["source_line"])


REVENUES = st.lists(st.floats(min_value=0.01, max_value=1e9, allow_nan=False), min_size=1, max_size=60)


@SETTINGS
@given(REVENUES)
def test_concentration_bounds_hold_for_any_revenue(values):
    revenue = pd.Series(values, index=[f"c{i}" for i in range(len(values))])
    n = len(values)
    ranked = c.rank_entities(revenue)
    value = c.hhi(revenue)
    assert abs(ranked["share"].sum() - 1.0) < 1e-9
    assert 10_000 / n - 1e-6 <= value <= 10_000 + 1e-6
    assert 1 - 1e-9 <= c.effective_number(value) <= n + 1e-6
    assert 0 <= c.gini(revenue) < 1
    assert ranked["revenue"].is_monotonic_decreasing


@SETTINGS
@given(st.integers(min_value=1, max_value=50))
def test_hhi_of_n_equal_customers_is_10000_over_n(n):
    assert abs(c.hhi(pd.Series(1.0, index=[f"c{i}" for i in range(n)])) - 10_000 / n) < 1e-6


TX_ROWS = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C", "D"]),
        st.integers(min_value=0, max_value=900),  # days before as_of
        st.integers(min_value=-5_000, max_value=50_000),  # amount in hundredths
    ),
    min_size=1,
    max_size=30,
)
AS_OF = pd.Timestamp("2026-09-30")


@SETTINGS
@given(TX_ROWS, st.randoms(use_true_random=False))
def test_features_and_segments_do_not_depend_on_row_order(rows, rnd):
    tx = pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "order_date": [AS_OF - pd.Timedelta(days=r[1]) for r in rows],
            "amount": [r[2] / 100 for r in rows],
        }
    )
    order = list(range(len(tx)))
    rnd.shuffle(order)
    shuffled = tx.iloc[order].reset_index(drop=True)
    params = FeatureParams()
    first = build_customer_features(tx, as_of=AS_OF, params=params)
    second = build_customer_features(shuffled, as_of=AS_OF, params=params)
    pd.testing.assert_frame_equal(first, second)
    segments = assign_lifecycle(first, params=LifecycleParams())
    assert segments["customer_id"].is_unique
    assert set(segments["customer_id"]) == set(first["customer_id"])
    assert segments["segment"].notna().all()
