"""A unit full of hostile names publishes a safe report: no live script, no live formula.

Customer names, product lines, channels, regions and managers carry script vectors, bidi
overrides, mathtext and formula prefixes; the report is published through the real
papermill + nbconvert path with names allowed, then scanned. Slow; part of `make test`.
"""

import csv
import io
import re
import shutil
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from insights import demo, pipeline
from insights.publish.report import publish_report

from html_scan import find_live_script_vectors

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = [
    '<script>alert("name")</script>',
    '<img src=x onerror="alert(1)">',
    "javascript:alert(1)",
    '"><svg onload=alert(1)>',
    "=HYPERLINK(\"http://evil.example\",\"click\")",
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "ООО «Рога\u202e и Копыта»",
    "Cash $\\frac{1}{0}$ Carry",
    "<meta http-equiv=refresh content=0;url=http://x>",
    "A" * 500,
]
COLUMNS = {"Клиент": HOSTILE, "Менеджер": HOSTILE[:4], "Направление": HOSTILE[4:7], "Регион": HOSTILE[:3]}

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(name="hostile_report")]  # one publication


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    for name in ("params", "notebooks"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("*.ipynb", "exploratory"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    text = demo.export_demo_csv("corporate").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header = rows[0]
    for i, row in enumerate(rows[1:]):
        if row and row[header.index("Валюта")] == "RUB":
            row[header.index("Валюта")] = "EUR"  # a unit that is not in roubles
        for column, values in COLUMNS.items():
            if row and row[0] and not row[0].lower().startswith("итого"):
                row[header.index(column)] = values[(i // 7) % len(values)]
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    (root / "data").mkdir()
    (root / "data" / "hostile.csv").write_text(out.getvalue(), encoding="utf-8-sig")
    params = yaml.safe_load((ROOT / "params" / "corporate.yaml").read_text(encoding="utf-8"))
    params.update(unit="hostile")
    params["source"]["paths"] = ["data/hostile.csv"]
    params["source"]["currency"] = "EUR"
    params["report"]["show_customer_names"] = True
    params["report"]["max_name_length"] = 24
    params["report"]["language"] = "en"  # the checks below read the English report's words
    params["clv"] = {"min_repeat_buyers": 10_000}  # far more than 40 customers: models not applicable
    (root / "params" / "hostile.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    return publish_report("hostile", root=root, prepare=pipeline.report_to_hand_over)


def test_report_has_no_live_script_vector(published):
    html = published.report_html.read_text(encoding="utf-8")
    assert find_live_script_vectors(html) == []
    assert "<script" not in html.lower() and "\u202e" not in html
    assert "&lt;script&gt;" in html  # the hostile name is shown, as text


def test_long_names_are_shortened_to_the_units_max_name_length(published):
    html = published.report_html.read_text(encoding="utf-8")
    html = re.sub(r"data:image/[^\"')]+", "", html)  # embedded plots are base64 noise (runs of "A")
    assert "A" * 23 + "…" in html  # the 500-character name, cut at report.max_name_length
    assert "A" * 24 not in html


def test_amounts_are_shown_in_the_units_currency(published):
    html = published.report_html.read_text(encoding="utf-8")
    text = re.sub(r"data:image/[^\"')]+", "", html)  # embedded plots are base64 noise
    assert " EUR" in text and "RUB" not in text


def test_index_has_no_live_script_vector(published):
    index = published.report_dir.parent.parent / "index.html"
    assert find_live_script_vectors(index.read_text(encoding="utf-8")) == []


def test_exports_hold_no_formula(published):
    exports = sorted(published.report_dir.glob("export_*.xlsx"))
    assert exports
    for path in exports:
        for row in load_workbook(path).active.iter_rows(values_only=True):
            for value in row:
                assert not (isinstance(value, str) and value.startswith(("=", "+", "@", "-", "\t", "\r"))), (path.name, value)
    for path in published.report_dir.glob("*.csv"):
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))):
            for value in row:
                assert not value.startswith(("=", "+", "@", "\t", "\r")), (path.name, value)
                assert not (value.startswith("-") and not _is_number(value)), (path.name, value)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_lifetime_value_says_not_applicable_in_plain_words(published):
    html = published.report_html.read_text(encoding="utf-8")
    assert "so lifetime value is not estimated" in html
    assert "models need at least 10000" in html
    assert "Traceback" not in html
