"""A streamed unit publishes the same report as the same unit held in memory.

``source.stream: true`` sends the export through ``insights.ingest.stream`` (batches, cleaned by
the same code, kept as a Parquet dataset) and every analysis scans that dataset with DuckDB
instead of a pandas frame. The fleet demo unit is published streamed in a temporary project
and held to the same unit published in memory (``stream: auto``, a few MB) by conftest's
``demo_reports``: the report, its figures and every published table must be identical --
only the params (``stream``) and the run's timing may differ.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from insights import pipeline
from insights.gate import GateError
from insights.params import load_params, parse_params
from insights.periods import PeriodError
from insights.publish.report import publish_report
from insights.publish.runinfo import params_digest

from conftest import SPARK_TEST_PARTITIONS, copy_project

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("project"))
    return root


def _set_stream(root: Path, value: str, *, unit: str = "fleet") -> None:
    path = root / "params" / f"{unit}.yaml"
    text = path.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines(keepends=True) if not line.startswith("  stream:")]
    at = lines.index("source:\n") + 1
    lines.insert(at, f"  stream: {value}\n")
    path.write_text("".join(lines), encoding="utf-8")


def _comparable(metadata: dict) -> dict:
    meta = json.loads(json.dumps(metadata))
    for key in ("run", "git_commit"):
        meta.pop(key)
    meta["params"]["source"].pop("stream")
    return meta


def test_stream_setting_decides_the_path(project):
    _set_stream(project, "true")
    params = load_params(project / "params" / "fleet.yaml")
    data = pipeline.load_unit(params, root=project, cache_dir=project / "cache")
    assert isinstance(data.transactions, str) and Path(data.transactions).is_dir()
    assert data.quality["reconciles"] is True
    assert data.quality["rows_read"] == data.quality["rows_kept"] + data.quality["rows_rejected"]
    assert len(data.rejected) == data.quality["rows_rejected"] > 0  # the demo plants bad rows
    _set_stream(project, "auto")  # auto: a few MB stay in memory
    params = load_params(project / "params" / "fleet.yaml")
    assert not pipeline.streams(params, root=project)


@pytest.mark.slow
def test_streamed_unit_publishes_the_same_report(project, demo_reports):
    params = load_params(demo_reports / "params" / "fleet.yaml")
    assert not pipeline.streams(params, root=demo_reports)  # published in memory
    digests = [params_digest(params)]
    kept = demo_reports / "reports" / "fleet" / "2026Q3"
    _set_stream(project, "true")
    digests.append(params_digest(load_params(project / "params" / "fleet.yaml")))
    streamed = publish_report("fleet", quarter="2026Q3", root=project)
    assert (project / "data" / "cache" / "ingest").is_dir()  # the dataset the report scanned
    meta = _comparable(streamed.metadata)
    assert meta["headline"] and meta["sections"] and meta["data_quality"]["rows_rejected"] > 0
    assert meta == _comparable(json.loads((kept / "metadata.json").read_text(encoding="utf-8")))
    names = sorted(p.name for p in kept.iterdir() if p.suffix in (".csv", ".html"))
    assert "report.html" in names and "quarantine.csv" in names
    assert names == sorted(p.name for p in streamed.report_dir.iterdir() if p.suffix in (".csv", ".html"))
    for name in names:
        # the run-metadata appendix shows the params digest, which covers source.stream
        ours = (streamed.report_dir / name).read_bytes().replace(*(d.encode() for d in digests[::-1]))
        assert (kept / name).read_bytes() == ours, name


def test_a_stream_whose_rows_are_all_rejected_fails_like_the_in_memory_path(tmp_path):
    (tmp_path / "x.csv").write_text("customer_id;order_date;amount\n;01.02.2025;5\n", encoding="utf-8")
    results = []
    for stream in (True, False):
        params = parse_params({"unit": "empty", "source": {"paths": ["x.csv"], "stream": stream}},
                              origin="test")
        # the publishing gate stops the run first, with the same message either way
        with pytest.raises(GateError, match=r"x\.csv: no row was kept \(1 read") as refused:
            pipeline.load_unit(params, root=tmp_path, cache_dir=tmp_path / "cache")
        data = pipeline.load_unit(params, root=tmp_path, cache_dir=tmp_path / "cache", check=False)
        assert data.quality["rows_read"] == data.quality["rows_rejected"] == len(data.rejected) == 1
        with pytest.raises(PeriodError, match="no valid order dates") as error:
            pipeline.resolve_quarter(data, "", params=params)
        results.append((str(refused.value), str(error.value)))
    assert results[0] == results[1]


@pytest.mark.slow
def test_spark_unit_publishes_the_same_report(project, demo_reports, spark, monkeypatch):
    """features.engine: spark runs every aggregate of the report on a real local Spark.

    On corporate, the smallest demo unit (every section, a tenth of fleet's Spark time), held
    to corporate published on DuckDB (the default) by conftest's ``demo_reports``. Published
    as ``insights report`` does: the report is prepared in this process (a Spark unit of small
    files is not large, ``pipeline.report_to_hand_over``), on the worker's Spark session
    (``spark_session`` finds it), and handed to the kernel.
    """
    path = project / "params" / "corporate.yaml"
    original = path.read_text(encoding="utf-8")
    kept = demo_reports / "reports" / "corporate" / "2026Q3"
    digests = [params_digest(load_params(demo_reports / "params" / "corporate.yaml"))]
    assert load_params(path) == load_params(demo_reports / "params" / "corporate.yaml")
    path.write_text(path.read_text(encoding="utf-8").replace(
        "features:\n", "features:\n  engine: spark\n", 1), encoding="utf-8")
    digests.append(params_digest(load_params(path)))
    prepared = []
    monkeypatch.setenv("INSIGHTS_SPARK_PARTITIONS", SPARK_TEST_PARTITIONS)  # as the session has

    def prepare(params, **where):
        prepared.append(pipeline.report_to_hand_over(params, **where))
        return prepared[-1]

    jobs = len(spark.sparkContext.statusTracker().getJobIdsForGroup())
    try:
        spark_run = publish_report("corporate", quarter="2026Q3", root=project, prepare=prepare)
    finally:
        path.write_text(original, encoding="utf-8")
    assert isinstance(prepared[0], pipeline.ReportData)  # prepared here, on this session:
    assert len(spark.sparkContext.statusTracker().getJobIdsForGroup()) > jobs  # Spark ran it
    meta = _comparable(spark_run.metadata)
    assert meta["params"]["features"].pop("engine") == "spark"
    expected = _comparable(json.loads((kept / "metadata.json").read_text(encoding="utf-8")))
    expected["params"]["features"].pop("engine")
    assert meta["sections"] and meta == expected
    for name in ("report.html", "quarantine.csv", "export_key_customers.csv"):
        ours = (spark_run.report_dir / name).read_bytes().replace(*(d.encode() for d in digests[::-1]))
        assert (kept / name).read_bytes() == ours, name
