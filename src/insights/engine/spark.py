"""Run the feature queries on Apache Spark (Spark SQL) -- the same SQL text DuckDB runs.

For a business that outgrows one machine: ``feature_sql`` holds one definition of the
transaction-level aggregates; this module hands that text to a ``SparkSession`` (local
mode in tests, a cluster in production) over Parquet data Spark reads itself, and brings
back the small per-customer result. ``features.build_customer_features`` finishes it
exactly as it finishes DuckDB's, so both engines give identical frames (tested).

PySpark is optional (``pip install 'insights[spark]'``); it is imported only here, only
when called. Spark's session time zone must be UTC (``spark_session`` sets it): timestamps
are calendar dates and must not shift.
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd
import pyarrow as pa

from insights.engine.dialect import Query


def spark_session(*, master: str = "local[2]", app_name: str = "insights") -> Any:
    """Return a SparkSession for the features (UTC session time zone, small shuffles).

    Parameters
    ----------
    master : str
        Spark master URL: ``local[N]`` on one machine, a cluster URL otherwise.
    app_name : str
        Name shown in the Spark UI.
    """
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", os.environ.get("INSIGHTS_SPARK_PARTITIONS", "4"))
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )


def _to_pandas(frame: Any) -> pd.DataFrame:
    """Collect a Spark DataFrame through Arrow; timestamps come back naive (UTC wall time)."""
    table: pa.Table = frame.toArrow()
    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_timestamp(column.type) and column.type.tz is not None:
            column = column.cast(pa.timestamp(column.type.unit, tz="UTC")).cast(pa.timestamp(column.type.unit))
        columns[name] = column
    return pa.table(columns).to_pandas()


def run_spark(
    query: Query, *, source: str | os.PathLike, lookups: dict[str, pd.DataFrame], spark: Any
) -> pd.DataFrame:
    """Run ``query`` with Spark SQL over Parquet ``source`` and return the result.

    Parameters
    ----------
    query : Query
        Set-up statements and a SELECT from ``feature_sql``, built with ``SPARK`` dialect.
    source : path
        Parquet file or directory of canonical transactions (Spark reads it itself).
    lookups : dict of str to DataFrame
        Small one-column tables, created as temporary views under their key.
    spark : SparkSession
        The session to run on (see ``spark_session``).

    Returns
    -------
    DataFrame
        The query's rows, in its ORDER BY.
    """
    spark.read.parquet(str(source)).createOrReplaceTempView("source")
    for name, table in lookups.items():
        if table is None:
            continue
        types = {c: "BIGINT" if table[c].dtype == "int64" else "STRING" for c in table.columns}
        rows = [tuple(int(v) if types[c] == "BIGINT" else str(v) for c, v in zip(types, row, strict=True))
                for row in table.itertuples(index=False)]
        schema = ", ".join(f"{c} {t}" for c, t in types.items())
        spark.createDataFrame(rows, schema).createOrReplaceTempView(name)
    for statement in query.setup:
        spark.sql(statement)
    return _to_pandas(spark.sql(query.select))
