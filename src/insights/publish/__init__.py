"""Publish a report: papermill, nbconvert, exports, index, atomic writes."""

from insights.publish.report import (  # noqa: F401
    PublishError,
    PublishResult,
    UnitError,
    build_index,
    build_metadata,
    list_units,
    publish_report,
    resolve_unit,
    run_notebook,
    runinfo,
    write_artifacts,
)
