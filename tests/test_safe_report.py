"""The real report path with names hidden: no name in any file, pseudonyms keyed.

Publishes the retail demo unit (``show_customer_names: false``) through papermill and
nbconvert twice, under two pseudonym keys. Slow; part of ``make test``.
"""

import csv
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import copy_project

from insights.publish.report import publish_report

pytestmark = pytest.mark.slow
KEYS = ("first-pseudonym-key-for-e2e-01", "second-pseudonym-key-for-e2e-2")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Publish retail under each key; return (project, {key: copy of reports/retail})."""
    project = copy_project(tmp_path_factory.mktemp("private"))
    saved = {}
    with pytest.MonkeyPatch.context() as patch:
        for key in KEYS:
            patch.setenv("INSIGHTS_PSEUDONYM_KEY", key)
            result = publish_report("retail", quarter="2026Q3", root=project)
            saved[key] = {p.name: p.read_bytes() for p in result.report_dir.iterdir()}
    return project, saved


def _customer_names(project: Path) -> set[str]:
    text = (project / "data" / "demo" / "retail.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    column = rows[0].index("Клиент")
    return {r[column].strip() for r in rows[1:] if len(r) > column and len(r[column].strip()) >= 4}


def _text(path: Path) -> str:
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as book:
            return "".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
    return path.read_bytes().decode("utf-8", "replace")


def test_no_customer_name_appears_in_any_file_of_the_unit(runs):
    project, _ = runs
    names = _customer_names(project)
    assert len(names) > 1000  # the demo export names its private customers
    files = [p for p in (project / "reports").rglob("*") if p.is_file()]
    assert {"quarantine.csv", "report.ipynb", "runs.jsonl", "index.html"} <= {p.name for p in files}
    leaks = {p.name: [n for n in names if n in _text(p)][:3] for p in files}
    assert {name: found for name, found in leaks.items() if found} == {}


def test_pseudonyms_differ_under_another_key(runs):
    _, saved = runs
    first, second = (pd.read_csv(io.BytesIO(saved[k]["export_key_customers.csv"]), encoding="utf-8-sig",
                                 dtype=str) for k in KEYS)  # fmt: skip
    assert first["customer_id"].tolist() == second["customer_id"].tolist()  # the same customers
    assert first["customer"].str.fullmatch(r"C-[0-9A-F]{16}").all()
    assert not set(first["customer"]) & set(second["customer"])
    assert saved[KEYS[0]]["report.html"] != saved[KEYS[1]]["report.html"]
