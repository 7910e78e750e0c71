"""Report quarters: parsing, quarter ends, and the latest complete quarter in the data.

A quarter is written ``2026Q3``. Everything is computed *as of* the quarter's last day
(inclusive); nothing here ever looks at today's date.
"""

from __future__ import annotations

import re
from typing import Literal

import pandas as pd

_QUARTER = re.compile(r"(?P<year>\d{4})Q(?P<q>[1-4])")

#: Time units of the lifetime-value models, and the days in each.
TimeUnit = Literal["day", "week"]
UNIT_DAYS = {"day": 1.0, "week": 7.0}

#: Days per month (a Julian year of 365.25 days over 12), for horizons given in months.
DAYS_PER_MONTH = 365.25 / 12


def unit_days(time_unit: str) -> float:
    """Return the number of days in ``time_unit`` ("day" or "week")."""
    if time_unit not in UNIT_DAYS:
        raise ValueError(f"time_unit must be 'day' or 'week', got {time_unit!r}.")
    return UNIT_DAYS[time_unit]


class PeriodError(ValueError):
    """Raised for a malformed quarter or data that contains no complete quarter."""


def parse_quarter(text: str) -> pd.Period:
    """Parse ``'2026Q3'`` into a quarterly Period; raise PeriodError otherwise.

    >>> parse_quarter("2026Q3")
    Period('2026Q3', 'Q-DEC')
    """
    match = _QUARTER.fullmatch(str(text).strip())
    if not match:
        raise PeriodError(f"quarter {text!r} is not of the form YYYYQn, for example 2026Q3.")
    return pd.Period(year=int(match["year"]), quarter=int(match["q"]), freq="Q")


def quarter_end(quarter: str | pd.Period) -> pd.Timestamp:
    """Return the last day of a quarter (midnight), the report's as-of date.

    >>> quarter_end("2026Q3")
    Timestamp('2026-09-30 00:00:00')
    """
    period = quarter if isinstance(quarter, pd.Period) else parse_quarter(quarter)
    return period.end_time.normalize()


def quarter_start(quarter: str | pd.Period) -> pd.Timestamp:
    """Return the first day of a quarter.

    >>> quarter_start("2026Q3")
    Timestamp('2026-07-01 00:00:00')
    """
    period = quarter if isinstance(quarter, pd.Period) else parse_quarter(quarter)
    return period.start_time.normalize()


def previous_quarters(quarter: str | pd.Period, n: int) -> list[pd.Period]:
    """Return the ``n`` quarters ending with ``quarter``, oldest first.

    >>> [str(q) for q in previous_quarters("2026Q1", 3)]
    ['2025Q3', '2025Q4', '2026Q1']
    """
    period = quarter if isinstance(quarter, pd.Period) else parse_quarter(quarter)
    return [period - i for i in range(n - 1, -1, -1)]


def latest_complete_quarter(
    dates: pd.Series, *, export_date: pd.Timestamp | None = None
) -> pd.Period:
    """Return the latest quarter whose every day the data covers.

    The data covers a day when the export was taken after it: the export date when known,
    otherwise the day after the latest order date. A quarter is complete when its last day
    is before that.

    >>> s = pd.Series(pd.to_datetime(["2026-01-05", "2026-09-30"]))
    >>> str(latest_complete_quarter(s))
    '2026Q3'
    >>> str(latest_complete_quarter(s, export_date=pd.Timestamp("2026-09-30")))
    '2026Q2'
    >>> latest_complete_quarter(s.iloc[:1])
    Traceback (most recent call last):
    ...
    insights.periods.PeriodError: the data starts 2026-01-05 and covers no complete quarter yet.
    """
    valid = pd.to_datetime(dates).dropna()
    if valid.empty and export_date is None:
        raise PeriodError("the data has no valid order dates, so there is no quarter to report.")
    covered_until = (
        pd.Timestamp(export_date).normalize()
        if export_date is not None
        else valid.max().normalize() + pd.Timedelta(days=1)
    )
    last_full_day = covered_until - pd.Timedelta(days=1)
    period = pd.Period(last_full_day, freq="Q")
    if quarter_end(period) > last_full_day:
        period -= 1
    if not valid.empty and quarter_end(period) < valid.min():
        raise PeriodError(
            f"the data starts {valid.min():%Y-%m-%d} and covers no complete quarter yet."
        )
    return period


def year_earlier(as_of) -> pd.Timestamp:
    """Return the same day a year earlier (a quarter end maps to the same quarter end).

    >>> year_earlier("2026-09-30")
    Timestamp('2025-09-30 00:00:00')
    """
    return pd.Timestamp(as_of).normalize() - pd.DateOffset(years=1)
