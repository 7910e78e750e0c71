"""The report's faster paths give exactly what the plain ones give.

``key_customers.top_reasons`` ranks components with NumPy instead of a pandas row loop, and
``CustomerLabels`` labels a unit's customers in one pass instead of one lookup at a time:
both are checked against the straightforward computation on hand-built frames with ties,
missing values and zero components.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from insights import key_customers as kc
from insights import key_reasons
from insights.reporting import dependency, dependency_words
from insights.reporting.core import customer_labels


def _details() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "revenue_rank": [1.0, 2.0, 3.0, 4.0],
            "margin_rate": [0.25, np.nan, 0.1, -0.05],
            "contribution": [100.0, 2500.0, 10.0, -5.0],
            "growth": [0.5, np.nan, -0.2, 0.0],
            "tenure_years": [3.6, 1.0, 2.5, 0.5],
            "regularity": [1.0, np.nan, 0.5, 0.25],
            "p_alive": [0.9, 0.4, 0.7, 0.1],
            "recency_days": [0, 1, 47, 300],
            "frequency": [51, 2, 9, 1],
            "product_line_count": [3, 1, 2, 1],
            "override": ["", kc.OVERRIDE_IMAGE, "", ""],
        },
        index=[10, 11, 12, 13],
    )


def _components() -> pd.DataFrame:
    # customer 10: revenue and loyalty tie (order of COMPONENTS decides); 11: NaNs and zeros;
    # 12: every component positive; 13: nothing positive -> no reason
    return pd.DataFrame(
        {
            "revenue": [0.8, 0.0, 0.9, 0.0],
            "margin": [0.1, np.nan, 0.2, 0.0],
            "growth": [0.3, np.nan, 0.1, 0.0],
            "loyalty": [0.8, 0.5, 0.4, 0.0],
            "repeat": [0.2, 0.6, 0.3, np.nan],
            "breadth": [0.0, 0.1, 0.5, 0.0],
            "reference": [0.0, 1.0, 0.05, 0.0],
        },
        index=[10, 11, 12, 13],
    )


def _reasons_row_by_row(components, details, weights, *, p_alive: bool) -> list[str]:
    """The plain definition: per customer, components with w*x > 0, strongest first, ties in order."""
    out = []
    for index in components.index:
        strength = [(components.at[index, c] * weights[c], i, c) for i, c in enumerate(kc.COMPONENTS)]
        strong = sorted((s for s in strength if s[0] > 0), key=lambda s: (-s[0], s[1]))[:3]
        out.append("; ".join(key_reasons._reason(c, details.loc[index], scored=40, p_alive=p_alive) for _, _, c in strong))
    return out


@pytest.mark.parametrize("p_alive", [False, True])
def test_top_reasons_equal_the_row_by_row_definition(p_alive):
    weights = {"revenue": 0.3, "margin": 0.15, "growth": 0.1, "loyalty": 0.3, "repeat": 0.15,
               "breadth": 0.1, "reference": 0.05}  # fmt: skip
    got = kc.top_reasons(_components(), _details(), weights, p_alive=p_alive, scored=40)
    assert got.index.tolist() == [10, 11, 12, 13]
    assert got.tolist() == _reasons_row_by_row(_components(), _details(), weights, p_alive=p_alive)
    assert got.iloc[0].startswith("top-5% revenue; customer for 3.6 years")  # the tie: revenue first
    assert got.iloc[3] == ""


@pytest.mark.parametrize("show_names", [False, True])
def test_labels_of_a_whole_unit_at_once_equal_labels_one_at_a_time(show_names, monkeypatch):
    frame = pd.DataFrame({
        "customer_id": ["a1", "b2", "c3", "d4"],
        "customer_name": ["ООО «Ромашка»", None, "", "A very long customer name that goes on and on"],
    })  # fmt: skip
    expected = customer_labels(frame, show_names=show_names, salt="fleet", max_length=20)
    batch = dependency.customer_label_map(frame, show_names=show_names, salt="fleet", max_length=20)
    monkeypatch.setattr(dependency_words, "BATCH_LABELS", 0)  # every lookup labels its own row
    single = dependency.customer_label_map(frame, show_names=show_names, salt="fleet", max_length=20)
    for customer, label in zip(frame["customer_id"], expected, strict=True):
        assert batch[customer] == single[customer] == label
    with pytest.raises(KeyError):
        batch["nobody"]
    assert dependency.label_of("nobody", batch) == "nobody"


@pytest.mark.parametrize("show_names", [False, True])
def test_many_labels_at_once_equal_one_lookup_each_including_unit_policies(show_names, monkeypatch):
    frame = pd.DataFrame({
        "customer_id": ["a1", "b2", "c3", "d4", "e5"],
        "customer_name": ["ООО «Ромашка»", None, "Иванов И. И.", "A very long customer name that goes on", "Beta"],
        "unit": ["fleet", "retail", "retail", None, "corporate"],
    })  # fmt: skip
    policy = {"retail": True, "corporate": False}
    monkeypatch.setattr(dependency_words, "BATCH_LABELS", 0)  # lookups label their own row
    single = dependency.customer_label_map(frame, show_names=show_names, salt="group", max_length=20,
                                           unit_policy=policy)  # fmt: skip
    batch = dependency.customer_label_map(frame, show_names=show_names, salt="group", max_length=20,
                                          unit_policy=policy)  # fmt: skip
    asked = ["e5", "nobody", "a1", "c3", "a1", "d4", "b2"]
    assert dependency_words.labels_of(asked, batch) == [dependency.label_of(c, single) for c in asked]
    assert batch.many(["c3"])[0] == "Иванов И. И."  # retail's own report names its customers
    assert dependency_words.labels_of(["a1"], {"a1": "x"}) == ["x"]  # a plain mapping works too
