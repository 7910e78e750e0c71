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


def __getattr__(name: str):
    if name == "write_artifacts":  # imported on first use, as in publish.report
        from insights.publish.artifacts import write_artifacts

        return write_artifacts
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
