"""Tests that need PostgreSQL or Java skip with one line where those are missing, and fail
the run where they are required (CI). Simulated with INSIGHTS_TEST_HIDE, on the Spark tests."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _pytest(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("INSIGHTS_REQUIRE_SERVICES", "INSIGHTS_TEST_HIDE")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests/test_engine_spark.py", "-q", "-p", "no:cacheprovider",
         "-rs"], cwd=ROOT, env=clean | env, capture_output=True, text=True, timeout=600,
    )


def test_without_java_the_spark_tests_skip_with_a_one_line_reason():
    pytest.importorskip("pyspark", reason="the spark extra is not installed (make test-floors)")
    run = _pytest(INSIGHTS_TEST_HIDE="java")
    assert run.returncode == 0, run.stdout[-2000:]
    reasons = [line for line in run.stdout.splitlines() if line.startswith("SKIPPED")]
    assert reasons and all("Java is not installed" in line for line in reasons)
    assert " passed" not in run.stdout and " failed" not in run.stdout


def test_where_services_are_required_a_skip_fails_the_run():
    pytest.importorskip("pyspark", reason="the spark extra is not installed (make test-floors)")
    run = _pytest(INSIGHTS_TEST_HIDE="java", INSIGHTS_REQUIRE_SERVICES="1")
    assert run.returncode == 1
    assert "INSIGHTS_REQUIRE_SERVICES=1" in run.stdout and "test_spark_features_equal_duckdb" in run.stdout
