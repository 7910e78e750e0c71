"""``pipeline.prepare_report``: the notebook's one call, and a notebook that only displays.

The corporate demo unit (about 1,300 rows) runs through ``prepare_report``; its fields must
be what the individual steps give on the same data, it must write nothing, and the report
notebook must only pass its fields to ``reporting`` and ``plots`` functions.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from insights import concentration, pipeline, steps
from insights.params import load_params

from conftest import write_demo_exports

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "quarterly_report.py"
pytestmark = pytest.mark.xdist_group(name="pipeline")  # one prepare_report for the module


@pytest.fixture(scope="module")
def corporate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "params", folder / "params")
    write_demo_exports(folder / "data" / "demo")
    params = load_params(folder / "params" / "corporate.yaml")
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    report = pipeline.prepare_report(params, quarter="2026Q3", root=folder)
    return folder, params, report, before


def test_prepare_report_is_frozen_and_writes_nothing_but_the_data_cache(corporate):
    folder, _, report, before = corporate
    cache = Path("data") / "cache"
    written = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    assert [p for p in written if cache not in p.parents and p != cache] == before
    assert [p.name for p in (folder / pipeline.MEMO_CACHE).iterdir()] == ["corporate"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.quarter = pd.Period("2026Q2")  # type: ignore[misc]
    assert str(report.quarter) == "2026Q3" and report.as_of == pd.Timestamp("2026-09-30")
    assert report.as_of_prev == pd.Timestamp("2026-06-30")
    assert report.as_of_year == pd.Timestamp("2025-09-30")


def test_prepare_report_fields_are_the_steps_on_the_same_data(corporate):
    _, params, report, _ = corporate
    tx, engine = report.data.transactions, params.features.engine
    trend = steps.concentration_trend(
        tx, as_of=report.as_of, quarters=params.concentration.trend_quarters, engine=engine
    )
    pd.testing.assert_frame_equal(report.trend, trend, check_exact=True)
    positive = int((report.features_now["revenue_12m"] > 0).sum())
    assert report.concentration.entities == positive > 10
    stress = concentration.stress_test(
        concentration.customer_revenue(report.features_now), top=params.concentration.stress_top
    )
    pd.testing.assert_frame_equal(report.stress, stress, check_exact=True)
    assert report.clv.as_of == report.as_of
    assert report.managers.status == steps.manager_risk(tx, as_of=report.as_of).status
    assert report.rows_after == pipeline.count_after(report.data, report.quarter)


def test_prepare_report_reuses_loaded_data_and_gives_the_artifacts(corporate):
    folder, params, report, _ = corporate
    again = pipeline.prepare_report(params, quarter="2026Q3", root=folder, data=report.data)
    assert again.data is report.data
    pd.testing.assert_frame_equal(again.features_now, report.features_now, check_exact=True)
    artifacts = pipeline.report_artifacts(report)
    tables = set(artifacts["tables"])
    fixed = {"quarantine", "export_key_customers", "export_experiment_groups",
             "export_attention", "export_win_back"}  # fmt: skip
    assert tables == fixed  # the action list is split per manager when published, not here
    summary = artifacts["summary"]
    assert summary["unit"] == "corporate"
    assert len(summary["attention"]) == len(report.attention.table)
    assert summary["win_back_customers"] == len(report.attention.win_back)


def _code_cells() -> list[str]:
    cells = re.split(r"^# %%", NOTEBOOK.read_text(encoding="utf-8"), flags=re.M)[1:]
    return [c for c in cells if not c.lstrip().startswith("[markdown]")]


def test_notebook_setup_cell_is_short_and_the_cells_hold_no_logic():
    cells = _code_cells()
    setup = next(c for c in cells if "# Setup" in c)
    assert len(setup.strip().splitlines()) < 15
    assert "pipeline.prepare_report(" in setup
    body = [c for c in cells if "# Setup" not in c and 'tags=["parameters"]' not in c]
    for cell in body:
        code = [ln for ln in cell.splitlines()[1:] if ln.strip() and not ln.lstrip().startswith("#")]
        for line in code:
            assert not re.match(r"\s*(def|for|while|class|if|with)\b", line), line
            assert not re.search(r"\.(groupby|merge|pivot|apply|loc|iloc)\b", line), line
        # every assignment (a keyword argument on its own line is none) binds ax or written only
        for node in ast.walk(ast.parse("\n".join(cell.splitlines()[1:]))):
            if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.NamedExpr):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [t.id if isinstance(t, ast.Name) else ast.dump(t) for t in targets]
                assert set(names) <= {"ax", "written"}, ast.unparse(node)


def test_every_report_field_the_notebook_reads_exists():
    used = set(re.findall(r"\breport\.(\w+)", NOTEBOOK.read_text(encoding="utf-8")))
    fields = {f.name for f in dataclasses.fields(pipeline.ReportData)}
    assert used and used <= fields, used - fields


def test_every_export_column_is_named_in_the_report_language(corporate):
    """A Russian unit's export files have Russian headers (the quarantine's rule, order id and
    currency, the attention list's reasons in words and shortfall were English)."""
    import re

    from insights.reporting.i18n import set_language
    from insights.reporting.labels import label_column

    _, params, report, _ = corporate
    assert params.report.language == "ru"
    tables = pipeline.report_artifacts(report)["tables"]
    set_language("ru")
    try:
        headers = {name: [label_column(str(c)) for c in frame.columns] for name, frame in tables.items()}
    finally:
        set_language("en")
    assert {"quarantine", "export_attention", "export_key_customers", "export_win_back"} <= set(headers)
    latin = {name: [h for h in names if re.search("[A-Za-z]", h)] for name, names in headers.items()}
    assert latin == dict.fromkeys(headers, [])


def test_lifetime_value_is_never_fitted_beside_k_means(corporate, monkeypatch):
    """k-means runs in a thread, and both it and the lifetime-value fits set the BLAS thread
    limit of the whole process (threadpoolctl): one restoring it while the other runs would
    change how the fit's dot products are summed. The fits end before k-means starts, and a
    second run gives the same values."""
    import time

    from insights import clustering

    folder, params, report, _ = corporate
    spans: dict[str, tuple[float, float]] = {}

    def timed(name, function):
        def run(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spans[name] = (start, time.perf_counter())
        return run

    monkeypatch.setattr(steps, "build_clv", timed("clv", steps.build_clv))
    monkeypatch.setattr(clustering, "build_clusters", timed("clusters", clustering.build_clusters))
    again = pipeline.prepare_report(params, quarter="2026Q3", root=folder)
    assert spans["clv"][1] <= spans["clusters"][0]
    assert (again.clv.status, again.clv.fit, again.clv.holdout) == (
        report.clv.status, report.clv.fit, report.clv.holdout)
    assert again.clv.customers.equals(report.clv.customers)
    assert again.clusters.labels.equals(report.clusters.labels)
