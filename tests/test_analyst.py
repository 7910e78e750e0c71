"""The analyst's numbers equal the report's: `customers_table` against every published demo report.

Every demo unit is published in a temporary copy of the project, then its per-customer table
is rebuilt with ``insights.customers_table`` and held to the report's ``metadata.json``:
lifecycle segment counts, 12-month revenue, active customers, top-1 share, clusters and the
lifetime-value status. The starter notebook runs from ``notebooks/exploratory/`` and is never
published.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import insights
from insights.publish.report import list_units, run_notebook

ROOT = Path(__file__).resolve().parents[1]
STARTER = Path("notebooks") / "exploratory" / "unit_walkthrough.py"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(demo_reports) -> Path:
    return demo_reports


@pytest.mark.parametrize("unit", ["fleet", "corporate", "retail", "service", "group"])
def test_customers_table_equals_the_published_report(project, unit):
    meta = json.loads((project / "reports" / unit / "2026Q3" / "metadata.json").read_text("utf-8"))
    table = insights.customers_table(unit, root=project)
    assert table.attrs["quarter"] == meta["quarter"] == "2026Q3"
    assert table["customer_id"].is_unique
    counts = table["segment"].astype(str).value_counts().to_dict()
    assert {k: v for k, v in meta["sections"]["lifecycle"].items() if v} == counts
    head = meta["headline"]
    assert table["revenue_12m"].sum() == pytest.approx(head["revenue_12m"], rel=1e-12)
    assert int((table["segment"].astype(str) != "lost").sum()) == head["active_customers"]
    positive = table.loc[table["revenue_12m"] > 0, "revenue_12m"]
    assert positive.max() / positive.sum() == pytest.approx(head["top1_share"], rel=1e-9)
    clusters = meta["sections"]["clusters"]
    assert table["cluster"].nunique() == clusters["k"]
    assert sorted(table["cluster_name"].unique()) == clusters["names"]
    assert table.attrs["as_of"].strftime("%Y-%m-%d") == meta["as_of"][:10]
    if meta["sections"]["clv"]["status"] == "ok":
        assert table["p_alive"].between(0, 1).all() and table["clv"].notna().all()
    # the published key-customer list: same ranks, scores and revenue as the table's
    key = pd.read_csv(project / "reports" / unit / "2026Q3" / "export_key_customers.csv",
                      encoding="utf-8-sig")
    ours = table[table["key_rank"] <= len(key)].sort_values("key_rank")
    assert ours["key_rank"].tolist() == key["key_rank"].tolist()
    assert ours["key_score"].to_numpy() == pytest.approx(key["score"].to_numpy(), rel=1e-9)
    assert ours["revenue_12m"].to_numpy() == pytest.approx(key["revenue_12m"].to_numpy(), rel=1e-9)


def test_retail_uses_its_own_windows(project):
    # retail's params set a 365-day regular window (not 180): the 192 regulars
    table = insights.customers_table("retail", root=project)
    meta = json.loads((project / "reports/retail/2026Q3/metadata.json").read_text("utf-8"))
    assert (table["segment"] == "regular").sum() == meta["sections"]["lifecycle"]["regular"]


def test_the_starter_notebook_runs_from_its_folder_and_is_never_published(project, tmp_path):
    executed = run_notebook(project / STARTER, tmp_path / "walk.ipynb", parameters={"unit": "retail"},
                            cwd=project / STARTER.parent, timeout=600)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert "retail: quarter 2026Q3" in outputs[0]["data"]["text/plain"]
    published = {p.name for p in (project / "reports").iterdir() if p.is_dir()}
    assert published == set(list_units(root=project)) == {"fleet", "corporate", "retail", "service", "group"}
