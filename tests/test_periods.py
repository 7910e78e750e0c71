"""Quarters: parsing, ends, and the latest complete quarter (never today's date)."""

import pandas as pd
import pytest

from insights.periods import (
    PeriodError,
    latest_complete_quarter,
    parse_quarter,
    previous_quarters,
    quarter_end,
    quarter_start,
)


def test_parse_and_bounds():
    assert str(parse_quarter("2026Q3")) == "2026Q3"
    assert quarter_end("2026Q3") == pd.Timestamp("2026-09-30")
    assert quarter_start("2026Q1") == pd.Timestamp("2026-01-01")
    assert quarter_end("2024Q1") == pd.Timestamp("2024-03-31")


@pytest.mark.parametrize("bad", ["2026Q5", "2026-Q3", "Q3 2026", "", "../x", "2026Q3;id"])
def test_malformed_quarter_is_refused(bad):
    with pytest.raises(PeriodError, match="YYYYQn"):
        parse_quarter(bad)


def test_previous_quarters_cross_a_year():
    assert [str(q) for q in previous_quarters("2026Q2", 4)] == ["2025Q3", "2025Q4", "2026Q1", "2026Q2"]


def test_latest_complete_quarter_from_the_data_alone():
    dates = pd.Series(pd.to_datetime(["2024-02-01", "2026-09-30"]))
    assert str(latest_complete_quarter(dates)) == "2026Q3"
    # a quarter whose last day has no data yet is not complete
    assert str(latest_complete_quarter(pd.Series(pd.to_datetime(["2024-02-01", "2026-09-29"])))) == "2026Q2"


def test_export_date_decides_when_given():
    dates = pd.Series(pd.to_datetime(["2024-02-01", "2026-09-20"]))
    assert str(latest_complete_quarter(dates, export_date=pd.Timestamp("2026-10-01"))) == "2026Q3"
    assert str(latest_complete_quarter(dates, export_date=pd.Timestamp("2026-09-30"))) == "2026Q2"


def test_no_complete_quarter_is_an_error():
    with pytest.raises(PeriodError, match="no complete quarter"):
        latest_complete_quarter(pd.Series(pd.to_datetime(["2026-08-01", "2026-08-15"])))
    with pytest.raises(PeriodError, match="no valid order dates"):
        latest_complete_quarter(pd.Series([], dtype="datetime64[ns]"))
