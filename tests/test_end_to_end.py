"""End to end: demo data -> papermill -> nbconvert -> a published, safe, reproducible report.

Slow; part of `make test`. Reads the demo units published once per run in a temporary
project (conftest's ``demo_reports``, by ``insights reports``); the tests that re-publish or
break something do it in their own copy (``demo_copy``), so the repository's own reports/ is
never touched.
"""

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from insights import cli, demo
from insights.publish.report import PublishError, publish_report

from conftest import set_report_language, write_demo_exports
from html_scan import find_live_script_vectors

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = (
    "Headline",
    "Needs attention",
    "What changed",
    "Express test",
    "Dependency on a few customers",
    "Stress test",
    "Key-person risk",
    "Mix: products, channels",
    "Key customers: more than the biggest buyers",
    "Lifecycle segments",
    "Movement since last quarter",
    "RFM segments",
    "Behavioural clusters",
    "Lifetime value",
    "Cohorts: do new customers stay?",
    "Where new customers come from",
    "A win-back experiment",
    "read out this quarter",
    "Appendix: data quality",
    "Appendix: run metadata",
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(demo_reports) -> Path:
    """The project with every demo unit published (read only)."""
    return demo_reports


@pytest.fixture(scope="module")
def fleet(project) -> Path:
    return project / "reports" / "fleet" / "2026Q3"


def test_report_is_published_with_every_artifact(fleet):
    names = {p.name for p in fleet.iterdir()}
    assert {"report.html", "report.ipynb", "metadata.json", "quarantine.csv"} <= names
    for export in ("key_customers", "attention", "win_back", "experiment_groups"):
        assert {f"export_{export}.csv", f"export_{export}.xlsx"} <= names
    per_manager = {n for n in names if "__" in n}  # the action list, one CSV per account manager
    assert per_manager and all(n.startswith("export_attention__") for n in per_manager)
    assert not any(n.startswith(".") for n in names)  # no temporary files left behind


def test_report_has_every_section_and_no_code(fleet):
    html = (fleet / "report.html").read_text(encoding="utf-8")
    for section in SECTIONS:
        assert section in html, section
    assert "import " not in html and "load_params" not in html
    assert "Traceback" not in html and "Error" not in html.replace("Errors", "")


def test_report_is_self_contained_and_safe(fleet):
    html = (fleet / "report.html").read_text(encoding="utf-8")
    assert find_live_script_vectors(html) == []
    assert "http://" not in html and "https://" not in html
    assert "data:image/png;base64," in html  # plots embedded
    assert "Content-Security-Policy" in html


def test_metadata_carries_headline_verdicts_and_provenance(fleet):
    meta = json.loads((fleet / "metadata.json").read_text(encoding="utf-8"))
    assert meta["unit"] == "fleet" and meta["quarter"] == "2026Q3" and meta["as_of"] == "2026-09-30"
    assert 0 < meta["headline"]["top1_share"] < 0.05  # planted: low concentration in fleet
    assert meta["verdicts"]["express_test"] in {"green", "yellow", "yellow (stressed)", "red"}
    quality = meta["data_quality"]
    assert quality["reconciles"] is True
    assert quality["rows_read"] == quality["rows_kept"] + quality["rows_rejected"]
    assert quality["rows_rejected"] == demo.DIRTY_ROWS_PER_UNIT
    assert len(meta["inputs"][0]["sha256"]) == 64
    assert meta["params"]["unit"] == "fleet"
    assert set(meta["run"]) == {"started_at", "finished_at", "duration_seconds"}


def test_quarantine_lists_each_dirty_row_with_a_reason(fleet):
    text = (fleet / "quarantine.csv").read_text(encoding="utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert len(lines) == 1 + demo.DIRTY_ROWS_PER_UNIT
    assert lines[0][:5] == ["source_file", "source_line", "column", "raw_value", "reason"]


def test_index_links_the_report(fleet, project):
    index = (project / "reports" / "index.html").read_text(encoding="utf-8")
    assert 'href="fleet/2026Q3/report.html"' in index
    assert find_live_script_vectors(index) == []


def test_rerun_gives_the_same_report_and_metadata(fleet, demo_copy):
    """Rerun through ``insights report``, which prepares the report while the kernel starts
    and hands it over (``publish.handoff``); the demo report was prepared in its kernel."""
    html_before = (fleet / "report.html").read_bytes()
    meta_before = json.loads((fleet / "metadata.json").read_text(encoding="utf-8"))
    assert cli.main(["--root", str(demo_copy), "report", "--unit", "fleet", "--quarter", "2026Q3"]) == 0
    again = demo_copy / "reports" / "fleet" / "2026Q3"  # in a copy
    assert sorted(p.name for p in again.iterdir()) == sorted(p.name for p in fleet.iterdir())
    meta_after = json.loads((again / "metadata.json").read_text(encoding="utf-8"))
    assert (again / "report.html").read_bytes() == html_before
    meta_before.pop("run"), meta_after.pop("run")
    assert meta_after == meta_before


def test_corporate_shows_the_planted_dependency(project):
    published = project / "reports" / "corporate" / "2026Q3"  # the latest complete quarter
    metadata = json.loads((published / "metadata.json").read_text(encoding="utf-8"))
    head, verdicts = metadata["headline"], metadata["verdicts"]
    sections = metadata["sections"]
    assert 0.55 <= head["top1_share"] <= 0.60
    assert verdicts["hhi_band"] == "highly concentrated"
    without_top1 = next(r for r in sections["stress_test"] if r["top_n"] == 1)
    assert without_top1["share_left"] < 0.5 and without_top1["verdict"] == "severe"
    assert sections["trend_quarters"] == 8
    assert sections["key_person"]["revenue_share"] > 0.5  # the planted account manager
    html = (published / "report.html").read_text(encoding="utf-8")
    assert sections["key_person"]["account_manager"] in html
    assert "regular customers slowed down to occasional buying" in html  # the planted decline


def test_failed_run_keeps_the_previous_report_and_is_recorded(demo_copy):
    project, fleet = demo_copy, demo_copy / "reports" / "fleet" / "2026Q3"
    before = (fleet / "report.html").read_bytes()
    params = project / "params" / "fleet.yaml"
    original = params.read_text(encoding="utf-8")
    params.write_text(original.replace("data/demo/fleet.csv", "data/demo/missing.csv"), encoding="utf-8")
    try:
        with pytest.raises(PublishError):
            publish_report("fleet", quarter="2026Q3", root=project)
    finally:
        params.write_text(original, encoding="utf-8")
    assert (fleet / "report.html").read_bytes() == before
    log = (project / "reports" / "fleet" / "runs.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(log[-1])["status"] == "failed"
    assert not [p for p in (project / "reports" / "fleet").iterdir() if p.name.startswith(".staging")]


def test_reports_goes_on_past_a_failed_unit_and_exits_non_zero(tmp_path, capsys):
    for name in ("notebooks",):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("*.ipynb", "exploratory"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "params").mkdir()
    corporate = (ROOT / "params" / "corporate.yaml").read_text(encoding="utf-8")
    (tmp_path / "params" / "corporate.yaml").write_text(corporate, encoding="utf-8")
    broken = corporate.replace("unit: corporate", "unit: broken").replace("corporate.csv", "absent.csv")
    (tmp_path / "params" / "broken.yaml").write_text(broken, encoding="utf-8")
    for params in (tmp_path / "params").glob("*.yaml"):
        set_report_language(params, "en")  # the index's English words are checked below
    write_demo_exports(tmp_path / "data" / "demo")
    code = cli.main(["--root", str(tmp_path), "reports", "--jobs", "2"])
    assert code == 1
    assert "broken" in capsys.readouterr().err
    assert (tmp_path / "reports" / "corporate" / "2026Q3" / "report.html").is_file()
    assert not (tmp_path / "reports" / "broken" / "2026Q3").exists()
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert "corporate/2026Q3/report.html" in index and "last run failed" in index
