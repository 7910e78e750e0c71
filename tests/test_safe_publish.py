"""Publishing as an attacker and an unlucky operator would try it (issue 18).

Symlinks under reports/, source paths outside the project, staging leftovers, a second run
of one unit, SIGTERM and SIGKILL. The notebook run is replaced by a stand-in that writes
what the real one writes (a summary and a one-cell notebook), so each test takes a second;
the real papermill path is covered by test_safe_report.py.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from insights import cli
from insights.params import ParamsError
from insights.publish import report
from insights.publish.files import hold_lock
from insights.publish.report import PublishError, RunInterrupted, build_index, publish_report

from conftest import set_report_language

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE_FILE = "keep-me.txt"


def fake_run_notebook(source, output, *, parameters, cwd, timeout, progress=False):
    """Write what the report notebook writes: ``summary.json`` and the executed notebook."""
    folder = Path(parameters["output_dir"])
    summary = {"unit": parameters["unit"], "quarter": parameters["quarter"] or "2026Q3",
               "headline": {"top1_share": 0.25}, "verdicts": {"express_test": "green"}}
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Headline")])
    nbformat.write(notebook, output)
    return notebook


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "project"
    shutil.copytree(ROOT / "params", root / "params")
    for params in (root / "params").glob("*.yaml"):
        set_report_language(params, "en")  # the index's English words are checked
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    monkeypatch.setattr(report, "run_notebook", fake_run_notebook)
    return root


@pytest.fixture
def outside(tmp_path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / OUTSIDE_FILE).write_text("not the project's\n", encoding="utf-8")
    return folder


def _untouched(folder: Path) -> bool:
    return sorted(p.name for p in folder.iterdir()) == [OUTSIDE_FILE]


def _runs(project: Path, unit: str = "fleet") -> list[dict]:
    log = project / "reports" / unit / "runs.jsonl"
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def test_a_run_publishes_and_records_started_then_published(project):
    result = publish_report("fleet", root=project)
    assert result.report_html.is_file()
    assert [r["status"] for r in _runs(project)] == ["started", "published"]


def test_a_symlinked_unit_folder_is_refused_and_its_target_untouched(project, outside):
    (project / "reports").mkdir()
    (project / "reports" / "fleet").symlink_to(outside, target_is_directory=True)
    with pytest.raises(PublishError, match="symlink"):
        publish_report("fleet", root=project)
    assert _untouched(outside)


def test_a_symlinked_quarter_folder_is_refused_and_its_target_untouched(project, outside):
    (project / "reports" / "fleet").mkdir(parents=True)
    (project / "reports" / "fleet" / "2026Q3").symlink_to(outside, target_is_directory=True)
    with pytest.raises(PublishError, match="symlink"):
        publish_report("fleet", quarter="2026Q3", root=project)
    assert _untouched(outside)
    assert not any(p.name.startswith(".staging-") for p in (project / "reports" / "fleet").iterdir())


def test_a_symlinked_reports_folder_is_refused(project, outside):
    (project / "reports").symlink_to(outside, target_is_directory=True)
    with pytest.raises(PublishError, match="symlink"):
        publish_report("fleet", root=project)
    assert _untouched(outside)


def test_a_symlinked_run_log_is_never_appended_to(project, outside):
    (project / "reports" / "fleet").mkdir(parents=True)
    (project / "reports" / "fleet" / "runs.jsonl").symlink_to(outside / OUTSIDE_FILE)
    with pytest.raises(Exception, match="symlink"):
        publish_report("fleet", root=project)
    assert (outside / OUTSIDE_FILE).read_text(encoding="utf-8") == "not the project's\n"


def test_a_symlinked_index_is_never_written_through(project, outside):
    (project / "reports").mkdir()
    (project / "reports" / "index.html").symlink_to(outside / OUTSIDE_FILE)
    with pytest.raises(PublishError, match="symlink"):
        build_index(root=project)
    assert (outside / OUTSIDE_FILE).read_text(encoding="utf-8") == "not the project's\n"


def test_a_source_path_outside_the_project_needs_an_explicit_param(project):
    params = project / "params" / "fleet.yaml"
    text = params.read_text(encoding="utf-8")
    params.write_text(text.replace("data/demo/fleet.csv", "/etc/passwd"), encoding="utf-8")
    with pytest.raises(ParamsError, match="outside the project.*allow_outside_project"):
        publish_report("fleet", root=project)
    assert not (project / "reports" / "index.html").exists()
    params.write_text(text.replace("data/demo/fleet.csv", "../../etc/passwd"), encoding="utf-8")
    assert cli.main(["--root", str(project), "report", "--unit", "fleet"]) == cli.EXIT_INVALID
    allowed = text.replace("data/demo/fleet.csv", "/etc/passwd").replace(
        "  paths:", "  allow_outside_project: true\n  paths:", 1)
    params.write_text(allowed, encoding="utf-8")
    assert publish_report("fleet", root=project).report_html.is_file()  # the stand-in reads nothing


def test_nothing_from_a_failed_run_s_message_reaches_the_index(project, monkeypatch):
    def failing(*args, **kwargs):
        raise ValueError("header 'root:x:0:0:root:/root:/bin/bash' has no column 'amount'")

    monkeypatch.setattr(report, "run_notebook", failing)
    with pytest.raises(PublishError):
        publish_report("retail", root=project)
    index = (project / "reports" / "index.html").read_text(encoding="utf-8")
    # the index is in the default language (Russian) when no unit has a published report
    assert "retail" in index and "завершился ошибкой" in index and "ValueError" in index
    assert "root:x" not in index
    logged = _runs(project, "retail")[-1]
    assert logged["status"] == "failed" and "root:x" not in logged["error"]  # names hidden: redacted


def test_a_leftover_staging_folder_is_never_listed_and_the_next_run_removes_it(project):
    publish_report("fleet", root=project)
    leftover = project / "reports" / "fleet" / ".staging-dead"
    leftover.mkdir()
    meta = {"unit": "fleet", "quarter": "2025Q1", "status": "published", "headline": {}, "verdicts": {}}
    (leftover / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    index = build_index(root=project).read_text(encoding="utf-8")
    assert "2025Q1" not in index and "2026Q3" in index
    publish_report("fleet", root=project)
    assert not leftover.exists()


def test_a_second_run_of_one_unit_is_refused_clearly_while_the_first_holds_the_lock(project, capsys):
    publish_report("fleet", root=project)
    before = _runs(project)
    with hold_lock(project / "reports" / "fleet" / report.LOCK_FILE):
        with pytest.raises(PublishError, match="another run of unit 'fleet' is in progress"):
            publish_report("fleet", root=project)
        assert cli.main(["--root", str(project), "report", "--unit", "fleet"]) == cli.EXIT_FAILED
    assert "another run" in capsys.readouterr().err
    assert _runs(project) == before  # the refused run wrote nothing
    assert publish_report("fleet", root=project).report_html.is_file()  # released: runs again


def test_an_interrupted_run_is_recorded_and_leaves_the_previous_report(project, monkeypatch):
    first = publish_report("fleet", root=project)
    html = first.report_html.read_bytes()

    def interrupted(*args, **kwargs):
        raise RunInterrupted("SIGTERM")

    monkeypatch.setattr(report, "run_notebook", interrupted)
    with pytest.raises(RunInterrupted):
        publish_report("fleet", root=project)
    assert _runs(project)[-1]["status"] == "interrupted"
    assert first.report_html.read_bytes() == html
    assert "was interrupted" in (project / "reports" / "index.html").read_text(encoding="utf-8")
    assert not any(p.name.startswith(".staging-") for p in (project / "reports" / "fleet").iterdir())


def test_a_killed_run_shows_as_interrupted_and_the_next_run_records_it(project):
    unit_dir = project / "reports" / "fleet"
    unit_dir.mkdir(parents=True)
    started = {"at": "2026-10-01T10:00:00+00:00", "quarter": "", "status": "started", "pid": 99999}
    (unit_dir / "runs.jsonl").write_text(json.dumps(started) + "\n", encoding="utf-8")
    (unit_dir / ".staging-killed").mkdir()
    index = build_index(root=project).read_text(encoding="utf-8")
    assert "fleet" in index and "последний запуск был прерван" in index
    publish_report("fleet", root=project)
    assert [r["status"] for r in _runs(project)] == ["started", "interrupted", "started", "published"]
    assert "pid 99999" in _runs(project)[1]["error"]
    assert not (unit_dir / ".staging-killed").exists()


SLOW_RUN = """
import json, sys, time
from pathlib import Path
import nbformat
from insights import cli
from insights.publish import report

def slow(source, output, *, parameters, **kwargs):
    written = Path(parameters["output_dir"], "pid.tmp")  # renamed whole: never read half-written
    written.write_text(str(__import__("os").getpid()))
    written.rename(written.with_name("pid"))
    time.sleep(600)

report.run_notebook = slow
sys.exit(cli.main(sys.argv[1:]))
"""


def _wait_for(condition, what: str, limit: float = 120.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.1)


def _started(project: Path, units: tuple[str, ...]) -> bool:
    return all(list((project / "reports" / u).glob(".staging-*/pid")) for u in units)


def _spawn(project: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", SLOW_RUN, "--root", str(project), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_sigterm_is_recorded_as_interrupted_in_the_run_log(project):
    process = _spawn(project, "report", "--unit", "fleet")
    _wait_for(lambda: _started(project, ("fleet",)), "the run to start")
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == cli.EXIT_FAILED and "interrupted (SIGTERM)" in err
    last = _runs(project)[-1]
    assert last["status"] == "interrupted" and "SIGTERM" in last["error"]
    assert not list((project / "reports" / "fleet").glob(".staging-*"))


def test_stopping_insights_reports_stops_its_workers_and_records_them(project):
    for extra in ("corporate", "group"):
        (project / "params" / f"{extra}.yaml").unlink()  # left: fleet, retail, then service queued
    process = _spawn(project, "reports", "--jobs", "2")
    _wait_for(lambda: _started(project, ("fleet", "retail")), "both workers to start")
    pids = [int(next((project / "reports" / u).glob(".staging-*/pid")).read_text()) for u in ("fleet", "retail")]
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=120)
    assert process.returncode == cli.EXIT_FAILED
    _wait_for(lambda: not any(_alive(pid) for pid in pids), "the workers to stop", limit=60)
    assert [_runs(project, u)[-1]["status"] for u in ("fleet", "retail")] == ["interrupted"] * 2
    assert not (project / "reports" / "service" / "runs.jsonl").exists()  # the queued unit never started


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in _state(pid)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return "zombie"


def test_a_second_process_is_refused_while_the_first_runs_and_the_index_stays_right(project):
    first = _spawn(project, "report", "--unit", "fleet")
    _wait_for(lambda: _started(project, ("fleet",)), "the first run to start")
    second = _spawn(project, "report", "--unit", "fleet")
    _, err = second.communicate(timeout=120)
    assert second.returncode == cli.EXIT_FAILED and "another run of unit 'fleet' is in progress" in err
    assert [r["status"] for r in _runs(project)] == ["started"]  # the refused run wrote nothing
    index = build_index(root=project).read_text(encoding="utf-8")
    assert "interrupted" not in index and "failed" not in index  # running, not dead
    first.send_signal(signal.SIGTERM)
    first.communicate(timeout=120)


def test_a_sigkilled_run_is_shown_interrupted_and_cleaned_up_by_the_next_run(project):
    process = _spawn(project, "report", "--unit", "fleet")
    _wait_for(lambda: _started(project, ("fleet",)), "the run to start")
    process.kill()
    process.communicate(timeout=120)
    unit_dir = project / "reports" / "fleet"
    assert list(unit_dir.glob(".staging-*"))  # SIGKILL: nothing could clean up
    index = build_index(root=project).read_text(encoding="utf-8")
    assert "последний запуск был прерван" in index and "2026Q3/report.html" not in index
    publish_report("fleet", root=project)  # the lock died with the process
    assert [r["status"] for r in _runs(project)] == ["started", "interrupted", "started", "published"]
    assert not list(unit_dir.glob(".staging-*"))


def test_a_symlinked_lock_file_is_refused(project, outside):
    (project / "reports" / "fleet").mkdir(parents=True)
    (project / "reports" / "fleet" / report.LOCK_FILE).symlink_to(outside / OUTSIDE_FILE)
    with pytest.raises(PublishError, match="symlink"):
        publish_report("fleet", root=project)
    assert _untouched(outside) and (outside / OUTSIDE_FILE).read_text(encoding="utf-8") == "not the project's\n"


def test_a_symlinked_index_lock_is_refused(project, outside):
    (project / "reports").mkdir()
    (project / "reports" / report.INDEX_LOCK).symlink_to(outside / OUTSIDE_FILE)
    with pytest.raises(PublishError, match="symlink"):
        build_index(root=project)
    assert (outside / OUTSIDE_FILE).read_text(encoding="utf-8") == "not the project's\n"
