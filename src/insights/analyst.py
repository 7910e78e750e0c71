"""The report's per-customer numbers in one call, for analysts.

``customers_table("retail")`` loads the unit's export with its own params, picks the
report quarter the way ``insights report`` does and returns one row per customer with
the figures the report is built from: behavioural features, lifecycle segment, cluster,
key-customer score and lifetime value. An analyst's counts therefore equal the report's by
construction (``tests/test_analyst.py`` holds every demo unit's table to its published
``metadata.json``).

It is built on ``pipeline.prepare_report``, the one call the report notebook's setup cell
makes: the same params, the same quarter, the same seeds, the same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from insights import clustering, clv, key_customers, pipeline
from insights.params import Params, load_params

#: Columns taken from the key-customer score (renamed with a ``key_`` prefix where bare).
KEY_COLUMNS = {"key_rank": "key_rank", "score": "key_score", "category": "key_category",
               "loss_maker": "loss_maker", "reasons": "key_reasons"}
#: Columns taken from the lifetime-value models (present when the models were fitted).
CLV_COLUMNS = ("p_alive", "expected_purchases", "expected_spend", "expected_revenue", "clv")


@dataclass(frozen=True)
class UnitView:
    """A unit's report quarter as the report sees it: params, data and per-customer results.

    ``customers`` is the table ``customers_table`` returns; ``clusters``, ``clv_result`` and
    ``key`` are the full results behind its columns (profiles, fits, weights).
    """

    params: Params
    data: pipeline.UnitData
    quarter: pd.Period
    as_of: pd.Timestamp
    customers: pd.DataFrame = field(repr=False)
    clusters: clustering.ClusterResult = field(repr=False)
    clv_result: clv.ClvResult = field(repr=False)
    key: key_customers.KeyCustomers = field(repr=False)


def customers_table(
    unit: str, quarter: str | None = None, *, root: str | Path | None = None
) -> pd.DataFrame:
    """Return the per-customer table the unit's report uses for ``quarter``.

    Parameters
    ----------
    unit : str
        A unit with a file in ``params/`` (``params/<unit>.yaml``), e.g. ``"fleet"``.
    quarter : str, optional
        ``YYYYQn``; default: the latest complete quarter in the data, as in the report.
    root : str or Path, optional
        The project root; default: the nearest folder up from the working directory that
        holds ``params/`` and ``pyproject.toml`` (so ``notebooks/exploratory/`` works), else
        the project this package is installed from.

    Returns
    -------
    DataFrame
        One row per customer (``features.build_customer_features`` columns), plus
        ``segment``, ``cluster``, ``cluster_name``, ``key_rank``, ``key_score``,
        ``key_category``, ``loss_maker``, ``key_reasons`` and, when the lifetime-value models
        were fitted, ``p_alive``, ``expected_purchases``, ``expected_spend``,
        ``expected_revenue`` and ``clv`` (NaN otherwise). ``attrs`` holds ``unit``,
        ``quarter`` and ``as_of``.

    Raises
    ------
    ValueError
        The unit name is malformed or has no params file (``publish.UnitError``), the
        params are invalid (``ParamsError``) or the quarter is malformed.

    Examples
    --------
    In a project with the demo data (``make demo-data``)::

        table = customers_table("retail")
        table["segment"].value_counts()   # the report's lifecycle segment counts
    """
    return open_unit(unit, quarter, root=root).customers


def open_unit(unit: str, quarter: str | None = None, *, root: str | Path | None = None) -> UnitView:
    """Load ``unit`` with its own params and compute the report's per-customer results.

    Same parameters as ``customers_table``; returns the ``UnitView`` (data quality in
    ``view.data.quality``, cluster profiles in ``view.clusters.profiles``, ...).
    """
    from insights.publish.report import resolve_unit

    root = Path(root).resolve() if root is not None else find_root()
    params = load_params(resolve_unit(unit, root=root))
    data = pipeline.load_unit(params, root=root)
    period = pipeline.resolve_quarter(data, quarter, params=params)
    return build_unit_view(data, params=params, quarter=period, root=root)


def find_root() -> Path:
    """Return the project root above the working directory, else the package's own project."""
    from insights.publish.runinfo import project_root

    here = project_root(Path.cwd())
    return here if (here / "params").is_dir() else project_root()


def build_unit_view(
    data: pipeline.UnitData, *, params: Params, quarter: pd.Period, root: Path | None = None
) -> UnitView:
    """Compute the report's per-customer results from loaded data (see ``customers_table``).

    Runs ``pipeline.prepare_report`` -- the very call the report notebook makes -- and joins
    its per-customer results into one table, so the numbers are the report's by construction.

    Parameters
    ----------
    data : UnitData
        ``pipeline.load_unit`` output.
    params : Params
        The unit's params: lifecycle windows, features, clustering, key-customer weights,
        lifetime-value settings and ``random_state`` are all applied.
    quarter : Period
        The report quarter; everything is computed as of its last day.
    root : Path, optional
        The project root (default: ``find_root()``); the report's run facts name files
        relative to it.
    """
    root = Path(root) if root is not None else find_root()
    report = pipeline.prepare_report(params, quarter=str(quarter), root=root, data=data)
    table = _join(report.features_now, report.segments_now[["customer_id", "segment"]])
    table = _join(table, report.clusters.labels[["customer_id", "cluster", "cluster_name"]])
    table = _join(table, _key_columns(report.key.table))
    table = _join(table, _clv_columns(report.clv))
    table.attrs.update(unit=params.unit, quarter=str(report.quarter), as_of=report.as_of)
    return UnitView(params, data, report.quarter, report.as_of, table, report.clusters,
                    report.clv, report.key)


def _join(table: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    """Left-join ``extra`` (one row per customer_id at most) onto ``table``."""
    return table.merge(extra, on="customer_id", how="left", validate="1:1")


def _key_columns(scored: pd.DataFrame) -> pd.DataFrame:
    """Return the key-customer columns per customer (empty when nobody was scored)."""
    if scored.empty:
        return pd.DataFrame({"customer_id": pd.Series(dtype="str"),
                             **{name: pd.Series(dtype="float64") for name in KEY_COLUMNS.values()}})
    present = [c for c in KEY_COLUMNS if c in scored.columns]
    return scored[["customer_id", *present]].rename(columns=KEY_COLUMNS)


def _clv_columns(result: clv.ClvResult) -> pd.DataFrame:
    """Return the lifetime-value columns per customer (empty when the models did not apply)."""
    frame = result.customers
    if not result.ok or frame.empty:
        return pd.DataFrame({"customer_id": pd.Series(dtype="str"),
                             **{name: pd.Series(dtype="float64") for name in CLV_COLUMNS}})
    return frame[["customer_id", *[c for c in CLV_COLUMNS if c in frame.columns]]]
