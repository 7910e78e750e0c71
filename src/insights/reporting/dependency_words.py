"""Shared words of the dependency sections: customer labels, HHI numbers, scope and verdicts.

``customer_label_map`` is how every section names a customer: the name when the unit's params
allow it (``report.show_customer_names``, per unit in a group report), else a stable
pseudonym; always shortened and escaped on the way to HTML.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from insights.reporting.core import NAME_LENGTH, Html, customer_labels, escape_text, fmt_number
from insights.reporting.i18n import N_, _

#: Stress-test verdicts in words.
_VERDICT_WORDS = {
    "severe": N_("severe: less than half of revenue would be left"),
    "high": N_("high: less than three quarters would be left"),
    "moderate": N_("moderate: less than 90% would be left"),
    "low": N_("low"),
    "unknown": N_("unknown"),
}


def verdict_words(verdict: str) -> str:
    """Return a stress-test verdict code in words, in the report's language."""
    return _(_VERDICT_WORDS.get(verdict, verdict))


def scope_words(scope: str | None = None) -> str:
    """Return "the group's" or "the unit's" for ``scope`` (default: the report's, ``set_scope``)."""
    from insights.reporting.labels import current_scope

    return _("the group's") if (scope or current_scope()) == "group" else _("the unit's")


#: Customers up to which ``CustomerLabels`` labels everyone at the first lookup.
BATCH_LABELS = 50_000


class CustomerLabels(Mapping):
    """customer_id -> display label, computed when a label is asked for.

    A report names a few dozen customers out of up to millions, so labels are not built for
    every customer up front; each label is the one ``customer_labels`` gives its row. Up to
    ``BATCH_LABELS`` customers (and no ``unit_policy``), the first lookup labels them all in
    one vectorised pass (a lookup row by row costs a millisecond, a few hundred of them add
    up); every label is remembered once computed.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        *,
        show_names: bool,
        salt: str,
        max_length: int = NAME_LENGTH,
        unit_policy: Mapping[str, bool] | None = None,
    ) -> None:
        columns = [c for c in ("customer_id", "customer_name", "unit") if c in frame.columns]
        self._rows = frame[columns].set_index(frame["customer_id"].astype(str))
        self._show_names, self._salt, self._max_length = show_names, salt, max_length
        self._units = dict(unit_policy or {})
        self._known: dict[str, str] = {}
        self._ids: frozenset[str] | None = None  # every customer id, built by the first ``many``

    def __getitem__(self, customer_id: str) -> str:
        if not self._known and not self._units and len(self._rows) <= BATCH_LABELS:
            labels = customer_labels(self._rows.drop_duplicates("customer_id"), show_names=self._show_names,
                                     salt=self._salt, max_length=self._max_length)  # fmt: skip
            self._known.update(zip(labels.index, labels.astype(str), strict=True))
        if customer_id in self._known:
            return self._known[customer_id]
        row = self._rows.loc[[customer_id]].iloc[:1]  # KeyError for an unknown id
        show, salt = self._show_names, self._salt
        unit = row["unit"].iloc[0] if "unit" in row.columns else None
        if unit is not None and not pd.isna(unit) and str(unit) in self._units:
            show, salt = self._units[str(unit)], str(unit)  # as that unit's own report labels it
        labels = customer_labels(row, show_names=show, salt=salt, max_length=self._max_length)
        self._known[customer_id] = label = str(labels.iloc[0])
        return label

    def many(self, customer_ids) -> list[str]:
        """Return the labels of ``customer_ids`` in order, the unknown ones in one vectorised pass.

        Each label equals the one a lookup of that id gives; an id that is not a customer
        stays as it is (as ``label_of`` does).
        """
        # Python lists from Arrow at once (``tolist``), not an iteration over Arrow scalars
        wanted = [str(c) for c in (customer_ids.tolist() if hasattr(customer_ids, "tolist")
                                   else customer_ids)]
        if self._ids is None:
            self._ids = frozenset(self._rows.index.tolist())
        missing = [c for c in dict.fromkeys(wanted) if c not in self._known and c in self._ids]
        rows = self._rows.loc[missing]
        rows = rows[~rows.index.duplicated()]
        own = (rows["unit"].astype("str").where(rows["unit"].notna(), "") if "unit" in rows.columns
               else pd.Series("", index=rows.index))  # fmt: skip
        for unit, part in rows.groupby(own.where(own.isin(list(self._units)), ""), sort=False):
            show, salt = (self._units[unit], unit) if unit else (self._show_names, self._salt)
            labels = customer_labels(part, show_names=show, salt=salt, max_length=self._max_length)
            self._known.update(zip(part.index.tolist(), labels.astype(str).tolist(), strict=True))
        return [self._known.get(c, c) for c in wanted]

    def __iter__(self):
        return iter(self._rows.index)

    def __len__(self) -> int:
        return len(self._rows)


def customer_label_map(
    frame: pd.DataFrame,
    *,
    show_names: bool,
    salt: str,
    max_length: int = NAME_LENGTH,
    unit_policy: Mapping[str, bool] | None = None,
) -> Mapping[str, str]:
    """Return customer_id -> display label (name if allowed, else pseudonym) for ``frame``.

    ``frame`` is the features frame (``customer_id``, optionally ``customer_name`` and
    ``unit``); ``show_names`` is params.report.show_customer_names; a name longer than
    ``max_length`` (params.report.max_name_length) is shortened with an ellipsis.
    ``unit_policy`` (params.report.unit_name_policy, for reports spanning several units)
    labels a customer whose main unit is listed as that unit's own report does: by name
    when its value is true, else by the pseudonym salted with that unit. Labels are
    computed on lookup.
    """
    return CustomerLabels(
        frame, show_names=show_names, salt=salt, max_length=max_length, unit_policy=unit_policy
    )


def fmt_hhi(value: float) -> str:
    """Format an HHI: whole points, one decimal below 10 (a base of thousands of customers).

    >>> fmt_hhi(3800.0), fmt_hhi(0.35)
    ('3,800', '0.3')
    """
    return fmt_number(value, digits=0 if pd.isna(value) or value >= 10 else 1)


def label_of(customer_id: object, labels: Mapping[str, str] | None) -> str:
    """Return the display label of one customer: from ``labels``, else its id."""
    return (labels or {}).get(str(customer_id), str(customer_id))


def labels_of(customer_ids, labels: Mapping[str, str] | None) -> list[str]:
    """Return ``label_of`` for every id, in one pass when ``labels`` is a ``CustomerLabels``."""
    if isinstance(labels, CustomerLabels):
        return labels.many(customer_ids)
    return [label_of(c, labels) for c in customer_ids]


def long_text(value: object, *, max_length: int = 600) -> Html:
    """Escape a long computed value (a reason, a list), cut at ``max_length`` characters."""
    return escape_text(value, max_length=max_length)


def join_items(items, *, sep: str = "; ") -> Html:
    """Escape each item (cut at 200 characters, a label's longest) and join them into one Html.

    >>> join_items(["<b>", "A&B"])
    '&lt;b&gt;; A&amp;B'
    """
    return Html(sep.join(str(escape_text(item, max_length=200)) for item in items))
