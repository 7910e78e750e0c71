"""Find exact duplicate rows and order ids whose rows conflict, within one batch.

Both checks return a mask over the rows given plus reason sentences for the flagged rows
only. Duplicates are first narrowed down with row hashes (equal rows always hash alike,
so no duplicate is missed) and then confirmed by comparing the values themselves, so a
hash collision never rejects a row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from insights.cleaning.values import quote


def find_repeats(keys: pd.DataFrame, files: pd.Series,
                 lines: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return rows equal to an earlier row in every column, and a reason for each of them.

    Parameters
    ----------
    keys : DataFrame
        Parsed values of the rows still kept (one column per canonical column).
    files, lines : Series
        ``source_file`` and ``source_line`` of the same rows.

    Returns
    -------
    repeat : Series of bool
        Aligned with ``keys``: True for every copy after the first.
    reason : Series of str
        For the repeated rows only: "an exact duplicate of line N (...)".
    """
    maybe = _maybe_repeated(keys)
    rows = keys[maybe]
    repeat = pd.Series(False, index=keys.index)
    if rows.empty:
        return repeat, pd.Series([], index=rows.index, dtype="str")
    # every copy of a row is among ``rows``: the exact check below sees whole groups
    groups = rows.groupby(list(rows.columns), dropna=False, sort=False).ngroup()
    first = lines.loc[rows.index].groupby(groups).transform("first")
    first_file = files.loc[rows.index].groupby(groups).transform("first")
    repeated = rows.duplicated(keep="first")
    repeat.loc[repeated.index] = repeated
    where = first.astype(str).where(first_file == files.loc[rows.index],
                                    first.astype(str) + " of " + first_file.astype(str))
    reason = ("an exact duplicate of line " + where + " (every column equal); the first "
              "copy is kept")
    return repeat, reason[repeated]


def _maybe_repeated(keys: pd.DataFrame) -> np.ndarray:
    """Return where a row's hash equals another row's (a superset of the repeated rows).

    Numbers and dates hash cheaply and nearly always tell rows apart; only rows they do
    not separate are hashed on every column.
    """
    cheap = [c for c in keys.columns if not pd.api.types.is_string_dtype(keys[c].dtype)]
    maybe = _hash_twins(keys[cheap] if cheap else keys)
    if maybe.any():
        maybe[maybe] = _hash_twins(keys[maybe])
    return maybe


def _hash_twins(frame: pd.DataFrame) -> np.ndarray:
    """Return where a row's hash over all columns of ``frame`` is shared with another row."""
    hashes = pd.util.hash_pandas_object(frame, index=False)
    return hashes.duplicated(keep=False).to_numpy(copy=True)


def find_conflicts(keys: pd.DataFrame, lines: pd.Series,
                   grain: str) -> tuple[pd.Series, pd.Series]:
    """Return rows of order ids whose rows disagree, and a reason for each of them.

    With ``grain="order_line"`` only a change of customer is a conflict; with ``"order"``
    any column. Rows without an order id never conflict.

    Returns
    -------
    conflict : Series of bool
        Aligned with ``keys``.
    reason : Series of str
        For the conflicting rows only.
    """
    keys = keys[keys["order_id"].notna()]
    compare = ["customer_id"] if grain == "order_line" else [c for c in keys if c != "order_id"]
    codes = pd.factorize(keys["order_id"])[0]
    first = np.flatnonzero(~pd.Series(codes).duplicated().to_numpy())  # codes come in order
    differs = pd.DataFrame({c: _group_varies(keys[c], codes, first) for c in compare},
                           index=keys.index)
    conflict = differs.any(axis=1)
    if not conflict.any():
        return conflict, pd.Series([], index=keys.index[:0], dtype="str")
    rows, differs = keys[conflict], differs[conflict]  # whole orders: every row of each
    names = pd.Series("", index=differs.index, dtype="str")
    for column in compare:
        names = names + differs[column].map({True: column + ", ", False: ""}).astype("str")
    first_line = lines.loc[rows.index].groupby(rows["order_id"]).transform("min")
    count = rows.groupby("order_id", sort=False)["order_id"].transform("size")
    expected = "one row per order (source.grain: order)" if grain == "order" else \
        "an order belongs to one customer"
    reason = ("order '" + quote(rows["order_id"].astype(str)) + "' has " + count.astype(str)
              + " rows (first on line " + first_line.astype(str) + ") with different "
              + names.str.rstrip(", ") + "; " + expected)
    return conflict, reason


def _group_varies(values: pd.Series, codes: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Return, per row, whether its group holds more than one distinct value.

    A group holds one value when every row equals the group's first row (missing equals
    missing), which is ``nunique(dropna=False) == 1``.
    """
    values = values.reset_index(drop=True)
    reference = values.iloc[first[codes]].reset_index(drop=True)
    same = ((values == reference).fillna(False) | (values.isna() & reference.isna())).to_numpy()
    varies = np.bincount(codes, weights=~same, minlength=len(first)) > 0
    return varies[codes]
