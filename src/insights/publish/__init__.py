"""Publish a report: papermill, nbconvert, exports, index, atomic writes."""

from insights.publish.report import (  # noqa: F401
    PublishError,
    PublishResult,
    RunInterrupted,
    UnitError,
    build_index,
    build_metadata,
    check_source_paths,
    list_units,
    publish_report,
    resolve_unit,
    run_notebook,
    runinfo,
)

