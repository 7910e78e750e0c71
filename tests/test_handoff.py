"""``insights report`` prepares the report while the kernel starts and hands it over.

``publish.handoff`` moves one object through a file in the run's staging folder;
``pipeline.prepare_report(prepared=...)`` uses it only when it is the report of the same
params and quarter, and otherwise (or on a skip) prepares the report itself. The published
bytes are the same either way: ``test_end_to_end`` reruns fleet through ``insights report``
and compares with the demo report published without a hand-over.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from insights import pipeline, units
from insights.params import load_params
from insights.publish import handoff

from conftest import write_demo_exports

ROOT = Path(__file__).resolve().parents[1]


def test_what_is_sent_is_received_and_cleaned_up(tmp_path):
    path = tmp_path / handoff.HANDOFF_FILE
    late = threading.Timer(0.2, handoff.send, args=(path, lambda: {"rows": [1, 2, 3]}))
    late.start()
    assert handoff.receive(path, timeout=5) == {"rows": [1, 2, 3]}  # waited for it
    handoff.clean_up(path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("make", [lambda: None, lambda: 1 / 0], ids=["nothing", "error"])
def test_a_failed_or_empty_preparation_tells_the_kernel_to_prepare_it_itself(tmp_path, make):
    path = tmp_path / handoff.HANDOFF_FILE
    handoff.send(path, make)  # never raises
    started = time.monotonic()
    assert handoff.receive(path, timeout=30) is None
    assert time.monotonic() - started < 5  # the marker ends the wait at once
    assert handoff.skip_marker(path).exists() and not path.exists()


def test_nothing_arriving_ends_the_wait_after_the_timeout(tmp_path):
    assert handoff.receive(tmp_path / handoff.HANDOFF_FILE, timeout=0.1) is None


def test_the_kernel_uses_a_handed_report_only_when_it_is_this_one(tmp_path, monkeypatch):
    write_demo_exports(tmp_path / "data" / "demo")
    params = load_params(ROOT / "params" / "corporate.yaml")
    report = pipeline.prepare_report(params, quarter="2026Q3", root=tmp_path)
    path = tmp_path / handoff.HANDOFF_FILE
    handoff.send(path, lambda: report)

    def no_loading(*args, **kwargs):
        raise AssertionError("the kernel prepared the report again")

    with monkeypatch.context() as patched:
        patched.setattr(pipeline, "load_unit", no_loading)
        handed = pipeline.prepare_report(params, quarter="2026Q3", root=tmp_path, prepared=path)
        assert handed.quarter == report.quarter and handed.params == params
        assert handed.headline == report.headline
        assert handed.features_now.equals(report.features_now)
        with pytest.raises(AssertionError, match="prepared the report again"):  # another quarter
            pipeline.prepare_report(params, quarter="2026Q2", root=tmp_path, prepared=path)
        other = params.model_copy(update={"random_state": params.random_state + 1})
        with pytest.raises(AssertionError, match="prepared the report again"):  # other params
            pipeline.prepare_report(other, quarter="2026Q3", root=tmp_path, prepared=path)


def test_a_large_unit_is_left_to_the_kernel_and_a_small_spark_unit_is_not(tmp_path, monkeypatch):
    """Large: ``source.stream: true``, or files over ``STREAM_BYTES`` (auto streams them too).

    A Spark unit streams its files (Spark reads Parquet) however small they are: it is
    prepared by ``insights report`` like any small unit.
    """
    write_demo_exports(tmp_path / "data" / "demo")
    params = load_params(ROOT / "params" / "corporate.yaml")

    def variant(*, stream="auto", engine="duckdb"):
        return params.model_copy(update={
            "source": params.source.model_copy(update={"stream": stream}),
            "features": params.features.model_copy(update={"engine": engine}),
        })

    size = (tmp_path / "data" / "demo" / "corporate.csv").stat().st_size
    assert pipeline.report_to_hand_over(variant(stream=True), quarter="2026Q3", root=tmp_path) is None
    spark = variant(engine="spark")
    assert pipeline.streams(spark, root=tmp_path) and not pipeline.is_large(spark, root=tmp_path)
    assert not pipeline.is_large(variant(), root=tmp_path)
    monkeypatch.setattr(units, "STREAM_BYTES", size - 1)  # the same files, now over the size
    assert pipeline.is_large(variant(), root=tmp_path) and pipeline.is_large(spark, root=tmp_path)
    assert not pipeline.is_large(variant(stream=False), root=tmp_path)  # told to read in memory
