"""Publishing: unit names checked first, HTML self-contained and code-free, writes atomic."""

import io
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from insights import cli
from insights.publish.artifacts import write_artifacts
from insights.publish.html import export_html, render_index
from insights.publish.report import UnitError, build_index, resolve_unit
from insights.reporting.core import sentence

from html_scan import find_live_script_vectors

EVIL = '<img src=x onerror="alert(1)">'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "fleet.yaml").write_text("unit: fleet\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("unit", ["../x", "x;id", "fleet/../../etc", "Fleet", "", "fleet ", "$(id)", "-rf"])
def test_malformed_unit_is_refused_before_anything(project, unit):
    with pytest.raises(UnitError, match="not a valid unit name"):
        resolve_unit(unit, root=project)


def test_unknown_unit_lists_the_known_ones(project):
    with pytest.raises(UnitError, match="unknown unit 'nope'.*fleet"):
        resolve_unit("nope", root=project)


def test_known_unit_resolves_to_its_params_file(project):
    assert resolve_unit("fleet", root=project) == project / "params" / "fleet.yaml"


@pytest.mark.parametrize("unit", ["../x", "x;id", "nope"])
def test_cli_refuses_bad_units_with_exit_2_and_writes_nothing(project, unit, capsys):
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    code = cli.main(["--root", str(project), "report", "--unit", unit])
    assert code == 2
    assert "insights:" in capsys.readouterr().err
    assert sorted(p.relative_to(project) for p in project.rglob("*")) == before


def test_cli_refuses_a_malformed_quarter(project, capsys):
    code = cli.main(["--root", str(project), "report", "--unit", "fleet", "--quarter", "2026Q9"])
    assert code == 2
    assert "YYYYQn" in capsys.readouterr().err


def _notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("unit = 'fleet'", metadata={"tags": ["parameters"]})
    injected = nbformat.v4.new_code_cell("unit = 'x'", metadata={"tags": ["injected-parameters"]})
    hidden = nbformat.v4.new_code_cell("secret_setup()", metadata={"tags": ["remove_cell"]})
    code = nbformat.v4.new_code_cell("compute_revenue()")
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": str(sentence("{n} buys", n=EVIL))}),
        nbformat.v4.new_output("stream", name="stderr", text="UserWarning: noisy\n"),
        nbformat.v4.new_output(
            "display_data", data={"application/javascript": "alert(1)", "text/plain": "js"}
        ),
    ]
    md = nbformat.v4.new_markdown_cell("## Headline\n\nText.\n\n## Appendix")
    nb.cells = [params, injected, hidden, md, code]
    return nb


def test_exported_html_has_no_code_scripts_or_external_urls():
    out = export_html(_notebook(), title=f"Report {EVIL}")
    assert "compute_revenue" not in out and "secret_setup" not in out
    assert "unit = " not in out  # parameters and injected-parameters cells removed
    assert "noisy" not in out  # kernel warnings never reach executives
    assert find_live_script_vectors(out) == []
    assert "output_javascript" not in out
    assert not re.search(r"https?://", out)
    assert "Content-Security-Policy" in out
    assert "&lt;img" in out and "<img src=x" not in out


def test_exported_html_has_a_table_of_contents():
    out = export_html(_notebook(), title="Report")
    toc = out.split('class="toc"', 1)[1].split("</nav>", 1)[0]
    assert "Headline" in toc and "Appendix" in toc
    assert 'href="#Headline"' in toc


def test_artifacts_neutralise_formulas_in_csv_and_xlsx(tmp_path):
    frame = pd.DataFrame({"customer": ["=HYPERLINK(\"http://x\",\"y\")", "@SUM(1)", "ok"], "amount": [1.0, -2.0, 3.0]})
    written = write_artifacts(tmp_path, summary={"quarter": "2026Q3"}, tables={"export_key_customers": frame})
    names = {p.name for p in written}
    assert names == {"summary.json", "export_key_customers.csv", "export_key_customers.xlsx"}
    text = (tmp_path / "export_key_customers.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM" in text
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "export_key_customers.xlsx").active
    values = [c.value for c in sheet["A"]][1:]
    assert all(not str(v).startswith(("=", "@")) for v in values)
    assert [c.value for c in sheet["B"]][1:] == [1, -2, 3]  # numbers stay numbers


def test_artifacts_are_not_written_without_an_output_dir():
    assert write_artifacts("", summary={}, tables={}) == []


def test_index_escapes_and_links_each_report(tmp_path):
    meta = {
        "unit": "fleet",
        "quarter": "2026Q3",
        "status": "published",
        "headline": {"top1_share": 0.2},
        "verdicts": {"express_test": "green", "hhi_band": "unconcentrated", "summary": EVIL},
    }
    folder = tmp_path / "reports" / "fleet" / "2026Q3"
    folder.mkdir(parents=True)
    (folder / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    index = build_index(root=tmp_path).read_text(encoding="utf-8")
    assert 'href="fleet/2026Q3/report.html"' in index
    assert "20.0%" in index and "<img" not in index


def test_index_lists_failed_runs():
    out = render_index([], {"corporate": {"quarter": "2026Q3", "error": "LoadError: x"}})
    # no unit has a published report, so the index is in the default language (Russian)
    assert "последний запуск завершился ошибкой" in out and "corporate" in out


def test_charts_get_alt_text_from_their_section():
    nb = _notebook()
    chart = nbformat.v4.new_code_cell("plot()")
    chart.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="})]
    nb.cells.append(nbformat.v4.new_markdown_cell("## Dependency on a few customers"))
    nb.cells.append(chart)
    out = export_html(nb, title="Report")
    assert 'alt="Chart: Dependency on a few customers"' in out


def test_exports_longer_than_a_spreadsheet_list_are_csv_only(tmp_path, monkeypatch):
    monkeypatch.setattr("insights.publish.artifacts.XLSX_MAX_ROWS", 2)
    short, long = pd.DataFrame({"a": [1, 2]}), pd.DataFrame({"a": [1, 2, 3]})
    written = write_artifacts(tmp_path, summary={}, tables={"export_short": short, "export_long": long})
    assert {p.name for p in written} == {"summary.json", "export_short.csv", "export_short.xlsx",
                                         "export_long.csv"}
    assert pd.read_csv(tmp_path / "export_long.csv", encoding="utf-8-sig")["a"].tolist() == [1, 2, 3]


def test_csv_exports_quote_cells_holding_a_separator_quote_or_line_break(tmp_path):
    import csv

    frame = pd.DataFrame({"customer": ["ООО Рога; и Копыта", 'say "hi"', "two\nlines", "a,b"],
                          "amount": [1.5, -2.0, 3.0, 4.0]})
    write_artifacts(tmp_path, summary={}, tables={"export_x": frame})
    text = (tmp_path / "export_x.csv").read_text(encoding="utf-8-sig")
    assert '"ООО Рога; и Копыта",1.5' in text
    by_semicolon = list(csv.reader(io.StringIO(text), delimiter=";"))  # as Russian Excel reads it
    assert by_semicolon[1][0].startswith("ООО Рога; и Копыта") and len(by_semicolon[1]) == 1
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[0] for r in rows] == ["customer", *frame["customer"]] and rows[1][1] == "1.5"


def test_the_csv_separator_is_one_parameter():
    from insights.publish.exports import csv_bytes

    frame = pd.DataFrame({"name": ["A; B", "C"], "n": [1, 2]})
    assert csv_bytes(frame, separator=";").decode("utf-8-sig") == '"name";"n"\r\n"A; B";1\r\n"C";2\r\n'


def test_xlsx_exports_are_byte_identical_across_writes(tmp_path):
    import time

    frame = pd.DataFrame({"customer": ["A", "B"], "amount": [1.0, 2.0]})
    write_artifacts(tmp_path / "one", summary={}, tables={"export_x": frame})
    time.sleep(2.1)  # openpyxl and zip stamp the save time (zip to 2 s): let the clock move
    write_artifacts(tmp_path / "two", summary={}, tables={"export_x": frame})
    first, second = (tmp_path / "one" / "export_x.xlsx").read_bytes(), (tmp_path / "two" / "export_x.xlsx").read_bytes()
    assert first == second
    from openpyxl import load_workbook

    assert [c.value for c in load_workbook(tmp_path / "two" / "export_x.xlsx").active["B"]][1:] == [1, 2]
