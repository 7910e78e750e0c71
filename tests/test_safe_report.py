"""The real report path with names hidden: no name in any file, pseudonyms keyed.

The retail demo unit (``show_customer_names: false``) published through papermill and
nbconvert under two pseudonym keys: the run's own (conftest's ``demo_reports``) and another,
re-published in a copy of that project. Slow; part of ``make test``.
"""

import csv
import io
import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from insights import pipeline
from insights.publish.report import publish_report

from conftest import copy_demo_reports

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(name="safe_report")]  # one publication
OTHER_KEY = "second-pseudonym-key-for-e2e-2"


@pytest.fixture(scope="module")
def runs(demo_reports, tmp_path_factory):
    """Return ([both projects], {key: the files of reports/retail/2026Q3 under that key}).

    The demo reports were published under the run's key; a copy re-publishes retail under
    another one.
    """
    first = os.environ["INSIGHTS_PSEUDONYM_KEY"]
    second = OTHER_KEY if first != OTHER_KEY else OTHER_KEY[::-1]
    project = copy_demo_reports(demo_reports, tmp_path_factory.mktemp("private") / "project")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INSIGHTS_PSEUDONYM_KEY", second)
        result = publish_report("retail", quarter="2026Q3", root=project,
                                prepare=pipeline.report_to_hand_over)
    folders = {first: demo_reports / "reports" / "retail" / "2026Q3", second: result.report_dir}
    saved = {key: {p.name: p.read_bytes() for p in folder.iterdir()} for key, folder in folders.items()}
    return [demo_reports, project], saved


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
    projects, _ = runs
    names = _customer_names(projects[0])
    assert len(names) > 1000  # the demo export names its private customers
    for project in projects:  # under each key: retail's files, its run log and the index
        reports = project / "reports"
        files = [p for p in (reports / "retail").rglob("*") if p.is_file()] + [reports / "index.html"]
        assert {"quarantine.csv", "report.ipynb", "runs.jsonl", "index.html"} <= {p.name for p in files}
        texts = {str(p.relative_to(reports)): _text(p) for p in files}  # read once, not once a name
        leaks = {path: [n for n in names if n in text][:3] for path, text in texts.items()}
        assert {name: found for name, found in leaks.items() if found} == {}


def test_pseudonyms_differ_under_another_key(runs):
    _, saved = runs
    keys = list(saved)
    assert len(keys) == 2  # two different keys
    first, second = (pd.read_csv(io.BytesIO(saved[k]["export_key_customers.csv"]), encoding="utf-8-sig",
                                 dtype=str) for k in keys)  # fmt: skip
    assert first["customer_id"].tolist() == second["customer_id"].tolist()  # the same customers
    assert first["customer"].str.fullmatch(r"C-[0-9A-F]{16}").all()
    assert not set(first["customer"]) & set(second["customer"])
    assert saved[keys[0]]["report.html"] != saved[keys[1]]["report.html"]
