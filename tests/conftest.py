"""Fixtures shared by several test files.

``postgres``: a throw-away PostgreSQL server on loopback for the tests that push features
down to it (test_engine_postgres) and read a unit's transactions from it
(test_postgres_source). initdb into a temporary directory, a free port, trust auth for the
local user only, C locale; stopped and removed after the session. When the server binaries
are missing and the tests run as root, Debian's ``postgresql`` package is installed first.
Tests using it import psycopg with ``pytest.importorskip`` (the ``postgres`` extra).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1] and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "postgresql"], check=True, timeout=900,
                       env=os.environ | {"DEBIAN_FRONTEND": "noninteractive"}, capture_output=True)
        found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    assert found and found[-1], f"PostgreSQL's {name} not found; install Debian's postgresql package."
    return found[-1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def postgres():
    """Yield a DSN of a fresh PostgreSQL server on 127.0.0.1 (stopped and removed afterwards)."""
    base = Path(tempfile.mkdtemp(prefix="insights-pg-"))  # pytest's tmp dirs are root-only
    data, sockets = base / "data", base / "sock"
    sockets.mkdir()
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_user:  # initdb refuses to run as root: the server runs as the postgres user
        shutil.chown(base, "postgres")
        shutil.chown(sockets, "postgres")
    user = "postgres" if as_user else os.environ.get("USER", "insights")
    subprocess.run([*as_user, _pg_bin("initdb"), "-D", str(data), "-U", user, "--auth=trust",
                    "--locale=C", "--encoding=UTF8"], check=True, capture_output=True, timeout=120)
    port = _free_port()
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run([*as_user, _pg_bin("pg_ctl"), "-D", str(data), "-o", options, "-w", "-t", "60",
                    "-l", str(base / "log"), "start"], check=True, capture_output=True, timeout=120)
    try:
        yield f"host=127.0.0.1 port={port} dbname=postgres user={user}"
    finally:
        subprocess.run([*as_user, _pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                       check=False, capture_output=True, timeout=120)
        shutil.rmtree(base, ignore_errors=True)


def copy_project(root: Path) -> Path:
    """Fill ``root`` with a runnable project: params, notebooks, pyproject and the demo exports."""
    from insights import demo

    source = Path(__file__).resolve().parents[1]
    for name in ("params", "notebooks"):
        shutil.copytree(source / name, root / name, ignore=shutil.ignore_patterns("*.ipynb", "exploratory"))
    shutil.copy(source / "pyproject.toml", root / "pyproject.toml")
    demo.write_demo_exports(root / "data" / "demo")
    return root
