"""Customer-id lookups by Arrow (``insights.schema``) equal pandas' own, on hand-built ids.

The analyses use them instead of ``Series.map``/``reindex``/``isin`` on text ids, which turn
every id into a Python string first; the answers must stay those of pandas.
"""

import numpy as np
import pandas as pd
import pytest

from insights.schema import isin_ids, lookup_by_id, row_positions

# Code-point order: "B" < "a" < "b" < "é" < "Жук"; "10" and "1" look alike but differ.
IDS = pd.Series(["b", "Жук", "x", "a", "10", None, "B"], dtype="str")


@pytest.mark.parametrize("order", ["sorted", "shuffled"])
def test_row_positions_equal_pandas_get_indexer(order):
    among = pd.Series(["B", "a", "b", "é", "Жук", "1"], dtype="str")
    if order == "shuffled":
        among = among.iloc[[3, 0, 5, 2, 4, 1]].reset_index(drop=True)
    expected = pd.Index(among).get_indexer(IDS.fillna("missing"))
    assert row_positions(IDS, among).tolist() == expected.tolist()


@pytest.mark.parametrize("among", [["a", "b", "b"], ["b", "a", "b"], ["a", None, None]])
def test_row_positions_refuse_an_id_listed_twice_sorted_or_not(among):
    with pytest.raises(ValueError, match="not unique"):
        row_positions(IDS, pd.Series(among, dtype="str"))


def test_lookup_by_id_equals_map_with_absent_ids_missing():
    values = pd.Series([1.5, 2.5, np.nan], index=pd.Index(["a", "Жук", "b"], dtype="str"))
    got = lookup_by_id(IDS.set_axis(range(10, 17)), values)
    expected = IDS.set_axis(range(10, 17)).map(values)
    pd.testing.assert_series_equal(got, expected, check_names=False)
    assert np.isnan(got.iloc[0]) and got.iloc[1] == 2.5 and np.isnan(got.iloc[2]) and got.iloc[3] == 1.5
    flags = pd.Series([True, False], index=pd.Index(["b", "a"], dtype="str"))
    assert lookup_by_id(IDS, flags).fillna(False).astype(bool).tolist() == [
        True, False, False, False, False, False, False]


def test_isin_ids_equals_isin_and_never_matches_a_missing_id():
    wanted = ["a", "Жук", "1", "zz"]
    assert isin_ids(IDS, wanted).tolist() == IDS.isin(wanted).tolist()
    assert isin_ids(IDS, pd.Series([], dtype="str")).tolist() == [False] * len(IDS)
