"""Run queries on DuckDB (default), PostgreSQL or Spark; nothing else."""

from insights.engine.duckdb import (  # noqa: F401
    available_memory,
    check_source,
    columns_of,
    count_rows,
    count_values,
    is_parquet_source,
    memory_limit,
    order_date_bounds,
    order_ids_complete,
    parquet_glob,
    require_source_columns,
    run_duckdb,
    run_sql,
    source_columns,
    spare_memory_mb,
    sql,
)
