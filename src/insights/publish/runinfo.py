"""Where the project lives and what ran: project root, git commit, package versions.

Used for the report's run-metadata appendix and ``metadata.json``. Nothing here depends on
the date or the machine beyond what it reports.
"""

from __future__ import annotations

import hashlib
import subprocess
from importlib import metadata
from pathlib import Path

#: Packages whose versions are recorded with every report.
RECORDED_PACKAGES = (
    "insights",
    "pandas",
    "numpy",
    "scipy",
    "scikit-learn",
    "matplotlib",
    "seaborn",
    "duckdb",
    "pyarrow",
    "papermill",
    "nbconvert",
)


def project_root(start: Path | None = None) -> Path:
    """Return the project root: the nearest folder upward holding ``params/`` and ``pyproject.toml``.

    Starts from ``start`` (default: this package's source folder, which for the editable
    install lives inside the project), so notebooks work from any working directory.
    """
    here = (start or Path(__file__)).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "params").is_dir():
            return folder
    return Path.cwd()


def git_commit(root: Path) -> str:
    """Return the git commit of ``root`` ('unknown' outside a checkout), marked when dirty."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        )
        if head.returncode != 0:
            return "unknown"
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    commit = head.stdout.strip()
    return f"{commit} (with uncommitted changes)" if status.stdout.strip() else commit


def package_versions(names: tuple[str, ...] = RECORDED_PACKAGES) -> dict[str, str]:
    """Return the installed version of each package ('not installed' when missing)."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def params_digest(params) -> str:
    """Return the SHA-256 of the validated params as canonical JSON (same params, same digest)."""
    import json

    text = json.dumps(params.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
