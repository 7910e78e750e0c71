"""Fixtures shared by several test files, and the rule for tests that need services.

``chromium``: the headless browser (and poppler's pdfinfo) that checks a report's layout on a
phone and on A4 paper (test_layout).

``postgres``: a throw-away PostgreSQL server on loopback for the tests that push features
down to it (test_engine_postgres) and read a unit's transactions from it
(test_postgres_source). initdb into a temporary directory, a free port, trust auth for the
local user only, C locale; stopped and removed after the session.

Services. A test that uses the ``postgres`` fixture or a ``spark`` fixture is marked
``services``. When PostgreSQL's binaries (initdb) or Java are missing it is skipped with a
one-line reason; nothing is ever installed from here (``.ci/run`` installs them). With
``INSIGHTS_REQUIRE_SERVICES=1`` (set by ``.ci/run``) any skipped services test fails the
session instead. ``INSIGHTS_TEST_HIDE=postgres,java`` makes the checks act as if those
were missing (to test this rule on a machine that has them).

Sharing (``make test`` runs on every core with ``--dist loadgroup``). The demo exports and the
published demo reports are built once per run and shared by every xdist worker
(``demo_exports``, ``demo_reports``: a lock in the run's temporary folder); tests read them and
copy them (``copy_demo_reports``) before changing anything. Tests that use the ``spark``
fixture share one xdist group and so one JVM, those that use ``postgres`` one server; a module
whose module fixture publishes a report is one group (``pytestmark``).
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

#: Test files that exist to exercise PostgreSQL or Spark.
SERVICE_FILES = ("test_engine_postgres.py", "test_engine_spark.py", "test_postgres_source.py")
#: Tests that start Spark without a ``spark`` fixture (file::name -> the service they need).
NEEDS: dict[str, str] = {}
REQUIRE_ENV, HIDE_ENV = "INSIGHTS_REQUIRE_SERVICES", "INSIGHTS_TEST_HIDE"
#: Pseudonym key of the test session (tests that compare keys set their own).
TEST_PSEUDONYM_KEY = "insights-test-pseudonym-key-0001"


def _hidden(name: str) -> bool:
    return name in {part.strip() for part in os.environ.get(HIDE_ENV, "").split(",")}


def _pg_bin(name: str) -> str | None:
    """Return the path of PostgreSQL's ``name`` binary, or None when it is missing."""
    if _hidden("postgres"):
        return None
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    return found[-1] or None


def _java() -> str | None:
    """Return the java binary Spark would use, or None when there is none."""
    if _hidden("java"):
        return None
    home = os.environ.get("JAVA_HOME", "")
    candidate = Path(home) / "bin" / "java" if home else None
    return str(candidate) if candidate and candidate.is_file() else shutil.which("java")


def _chromium() -> str | None:
    """Return the chromium binary when it and poppler's pdfinfo are installed, else None."""
    if _hidden("chromium"):
        return None
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    return browser if browser and shutil.which("pdfinfo") else None


def missing_service(fixtures: list[str]) -> str | None:
    """Return why a test using ``fixtures`` cannot run here (one line), or None."""
    if "chromium" in fixtures and _chromium() is None:
        return "chromium or pdfinfo is not installed (.ci/run installs Debian's chromium and poppler-utils)"
    if "postgres" in fixtures and _pg_bin("initdb") is None:
        return "PostgreSQL's initdb is not installed (.ci/run installs Debian's postgresql)"
    if "spark" in fixtures and _java() is None:
        return "Java is not installed (Spark needs it; .ci/run installs default-jre-headless)"
    return None


def _services(item) -> list[str]:
    """Return the services ``item`` needs: its fixtures, or its entry in ``NEEDS``."""
    key = f"{Path(str(item.fspath)).name}::{getattr(item, 'originalname', item.name)}"
    return [*getattr(item, "fixturenames", ()), NEEDS.get(key, "")]


#: Fixtures whose users share one xdist group, so one worker starts the service once.
SERVICE_GROUPS = ("spark", "postgres")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if Path(str(item.fspath)).name in SERVICE_FILES or {"postgres", "spark", "chromium"} & set(_services(item)):
            item.add_marker(pytest.mark.services)
            _SERVICE_IDS.add(item.nodeid)
        group = next((g for g in SERVICE_GROUPS if g in getattr(item, "fixturenames", ())), None)
        if group and not _groups(item):
            item.add_marker(pytest.mark.xdist_group(name=group))


def _groups(item) -> list[str]:
    """Return the names of ``item``'s xdist groups, sorted (as pytest-xdist joins them)."""
    marks = item.iter_markers("xdist_group")
    return sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in marks})


@pytest.hookimpl(trylast=True, specname="pytest_collection_modifyitems")
def pytest_collection_modifyitems_groups(config, items):
    """Put ``@group`` on grouped tests' ids when pytest-xdist could not (pytest >= 9.2).

    ``--dist loadgroup`` sends the tests whose id ends in ``@<group>`` to one worker.
    pytest-xdist 3.8 writes that suffix into ``item._nodeid``, which pytest 9.2's structured
    ids ignore, so every group was silently spread over the workers and each worker built the
    group's session fixtures itself (pytest-dev/pytest-xdist#1386). This does what xdist
    means to do, only where its suffix is missing; drop it once xdist fixes #1386.
    """
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        groups = _groups(item)
        if groups and _group_of(item.nodeid) is None and hasattr(item, "_id"):
            from _pytest.nodeid import NodeId

            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(groups)}")


@pytest.hookimpl(trylast=True, specname="pytest_collection_modifyitems")
def pytest_collection_modifyitems_heavy_first(config, items):
    """Run the modules holding end-to-end or service tests first, each module kept whole.

    ``--dist loadgroup`` hands tests to the workers in collection order; starting the long
    ones first keeps both workers busy to the end instead of one finishing a Spark report
    alone (longest-first scheduling). A module stays contiguous, so its fixtures are set up
    once per worker as before.
    """
    heavy = {item.module.__name__ for item in items if getattr(item, "module", None) is not None
             and (item.get_closest_marker("slow") or item.get_closest_marker("services"))}
    items.sort(key=lambda item: getattr(getattr(item, "module", None), "__name__", "") not in heavy)


def _group_of(nodeid: str) -> str | None:
    """Return the xdist group suffix of ``nodeid`` (``...::test[p]@group``), or None."""
    return nodeid.rsplit("@", 1)[1] if nodeid.rfind("@") > nodeid.rfind("]") else None


def _plain_id(nodeid: str) -> str:
    """Return ``nodeid`` without its xdist group suffix."""
    return nodeid.rsplit("@", 1)[0] if _group_of(nodeid) is not None else nodeid


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    reason = missing_service(_services(item))
    if reason:
        pytest.skip(reason)


_SKIPPED_SERVICES: list[str] = []


def pytest_runtest_logreport(report):
    # the report's keywords carry the services mark: under xdist the controller, which
    # decides the exit status, never collects and so never fills _SERVICE_IDS
    if report.skipped and (_is_service(report.nodeid) or "services" in getattr(report, "keywords", {})):
        _SKIPPED_SERVICES.append(report.nodeid)


def pytest_collectreport(report):
    if report.skipped and Path(report.nodeid.split("::")[0]).name in SERVICE_FILES:
        _SKIPPED_SERVICES.append(report.nodeid)


def _is_service(nodeid: str) -> bool:
    return Path(nodeid.split("::")[0]).name in SERVICE_FILES or _plain_id(nodeid) in _SERVICE_IDS


_SERVICE_IDS: set[str] = set()


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get(REQUIRE_ENV) == "1" and _SKIPPED_SERVICES:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                f"{REQUIRE_ENV}=1: {len(_SKIPPED_SERVICES)} PostgreSQL/Spark/Chromium test(s) were skipped "
                f"and must run here: {', '.join(_SKIPPED_SERVICES[:5])}", red=True
            )


@pytest.fixture(autouse=True, scope="session")
def _pseudonym_key():
    """Give the session a fixed pseudonym key unless the caller set one."""
    old = os.environ.get("INSIGHTS_PSEUDONYM_KEY")
    os.environ["INSIGHTS_PSEUDONYM_KEY"] = old or TEST_PSEUDONYM_KEY
    yield
    if old is None:
        os.environ.pop("INSIGHTS_PSEUDONYM_KEY", None)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Return the path of the headless chromium binary (the test is skipped without it)."""
    browser = _chromium()
    if browser is None:  # the setup hook skips first; this is a safety net
        pytest.skip("chromium or pdfinfo is not installed (.ci/run installs them)")
    return browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def postgres():
    """Yield a DSN of a fresh PostgreSQL server on 127.0.0.1 (stopped and removed afterwards)."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if initdb is None or pg_ctl is None:  # the setup hook skips first; this is a safety net
        pytest.skip("PostgreSQL's initdb is not installed (.ci/run installs Debian's postgresql)")
    base = Path(tempfile.mkdtemp(prefix="insights-pg-"))  # pytest's tmp dirs are root-only
    data, sockets = base / "data", base / "sock"
    sockets.mkdir()
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_user:  # initdb refuses to run as root: the server runs as the postgres user
        shutil.chown(base, "postgres")
        shutil.chown(sockets, "postgres")
    user = "postgres" if as_user else os.environ.get("USER", "insights")
    subprocess.run([*as_user, initdb, "-D", str(data), "-U", user, "--auth=trust",
                    "--locale=C", "--encoding=UTF8"], check=True, capture_output=True, timeout=120)
    port = _free_port()
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run([*as_user, pg_ctl, "-D", str(data), "-o", options, "-w", "-t", "60",
                    "-l", str(base / "log"), "start"], check=True, capture_output=True, timeout=120)
    try:
        yield f"host=127.0.0.1 port={port} dbname=postgres user={user}"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "fast", "stop"],
                       check=False, capture_output=True, timeout=120)
        shutil.rmtree(base, ignore_errors=True)


#: The run's temporary folder, common to every xdist worker of the run (set at session start).
_RUN: dict[str, Path] = {}


@pytest.fixture(autouse=True, scope="session")
def _run_folder(tmp_path_factory) -> Path:
    """Remember the folder this run's workers share (xdist puts each worker in a subfolder)."""
    base = tmp_path_factory.getbasetemp()
    _RUN["folder"] = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return _RUN["folder"]


@contextlib.contextmanager
def _run_lock(name: str) -> Iterator[None]:
    """Hold an exclusive lock named ``name`` in the run's folder (waits for other workers)."""
    with open(_RUN["folder"] / f".{name}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def built_once(name: str, build: Callable[[Path], object]) -> Path:
    """Return ``<run folder>/<name>``, made by ``build(folder)`` once per run, for reading.

    The first worker to ask builds it while the others wait; a build that failed is
    retried (and fails again, in that test) by the next one to ask.
    """
    folder, done = _RUN["folder"] / name, _RUN["folder"] / f".{name}.complete"
    with _run_lock(name):
        if not done.is_file():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            done.touch()
    return folder


def write_demo_exports(folder: Path) -> Path:
    """Write the deterministic demo exports into ``folder`` (generated once per run, copied)."""
    from insights import demo

    if "folder" not in _RUN:  # outside a pytest session
        demo.write_demo_exports(folder)
        return folder
    shutil.copytree(built_once("demo_exports", demo.write_demo_exports), folder, dirs_exist_ok=True)
    return folder


def copy_project(root: Path, *, language: str | None = "en") -> Path:
    """Fill ``root`` with a runnable project: params, notebooks, pyproject and the demo exports.

    Reports are Russian by default (``report.language: ru``); the tests that read English
    sentences get units that say ``language: en`` explicitly (``language="en"``, the
    default here). ``language=None`` keeps the demo params as they are (Russian);
    ``language="ru"`` writes it out.
    """
    source = Path(__file__).resolve().parents[1]
    for name in ("params", "notebooks"):
        shutil.copytree(source / name, root / name, ignore=shutil.ignore_patterns("*.ipynb", "exploratory"))
    shutil.copy(source / "pyproject.toml", root / "pyproject.toml")
    write_demo_exports(root / "data" / "demo")
    if language is not None:
        for params in (root / "params").glob("*.yaml"):
            set_report_language(params, language)
    return root


def set_report_language(params: Path, language: str) -> None:
    """Write ``report.language: <language>`` into a unit's params file (its ``report:`` section)."""
    text = params.read_text(encoding="utf-8")
    if "\nreport:\n" in text:
        text = text.replace("\nreport:\n", f"\nreport:\n  language: {language}\n", 1)
    else:
        text += f"\nreport:\n  language: {language}\n"
    params.write_text(text, encoding="utf-8")


def _publish_demo_project(root: Path) -> None:
    """Make ``root`` a project (English reports) with every demo unit published."""
    from insights import cli

    copy_project(root)
    source = Path(__file__).resolve().parents[1]
    shutil.copytree(source / "notebooks" / "exploratory", root / "notebooks" / "exploratory",
                    ignore=shutil.ignore_patterns("*.ipynb"))
    assert cli.main(["--root", str(root), "reports", "--jobs", "2"]) == 0


@pytest.fixture(scope="session")
def demo_reports() -> Path:
    """A project (``copy_project``, English) with every demo unit published, for reading only.

    Many slow tests check the published demo reports (the analyst's table, the verdicts, the
    artifacts, safety, the twins of a streamed, Spark or PostgreSQL run); publishing five
    units costs minutes, so it is done once per run, shared by every worker (``built_once``).
    Never change it: a test that re-publishes or edits works on ``copy_demo_reports``.
    """
    return built_once("demo_reports", _publish_demo_project)


def copy_demo_reports(demo_reports: Path, root: Path) -> Path:
    """Copy the published demo project to ``root`` (a test's own, to change) and return it."""
    shutil.copytree(demo_reports, root, symlinks=True)
    return root


@pytest.fixture
def demo_copy(demo_reports, tmp_path) -> Path:
    """This test's own copy of the published demo project (``demo_reports``), to change."""
    return copy_demo_reports(demo_reports, tmp_path / "project")


#: JIT and GC for a JVM that lives a minute: the quick compiler only, one GC thread. The same
#: queries on the corporate demo unit took 48 CPU-seconds of JVM time instead of 87.
SPARK_TEST_JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
#: Shuffle partitions of the tests' Spark session: the demo units are small, so fewer tasks.
SPARK_TEST_PARTITIONS = "2"


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for the worker; its users share an xdist group (one JVM)."""
    pytest.importorskip("pyspark", reason="PySpark is not installed (pip install -e '.[spark]')")
    from insights.engine.spark import spark_session

    with pytest.MonkeyPatch.context() as patch:  # read once, when the JVM starts
        if "PYSPARK_SUBMIT_ARGS" not in os.environ:
            patch.setenv("PYSPARK_SUBMIT_ARGS", f'--driver-java-options "{SPARK_TEST_JVM_OPTIONS}" pyspark-shell')
        patch.setenv("INSIGHTS_SPARK_PARTITIONS", SPARK_TEST_PARTITIONS)
        session = spark_session(master="local[2]", app_name="insights-tests")
    yield session
    session.stop()
