"""The report as its readers see it: a 390-px phone and A4 paper, in headless Chromium.

A page is measured inside a 390-px iframe (headless Chromium will not make a window that
narrow): a script reads the widths of the text column, the page and each wide table, and
writes them into the wrapper's DOM, which ``--dump-dom`` prints. The A4 print goes through
``--print-to-pdf``; poppler's ``pdfinfo`` gives the page count and size. Needs the
``chromium`` fixture (conftest: skipped without it, required under ``.ci/run``).
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from insights.publish.html import export_html
from insights.reporting.core import Card, html_table, kpi_cards

PHONE = 390
#: Pages the fleet report may take on A4 (it took 21 US-Letter pages before).
MAX_PAGES = 12

_MEASURE = """
var f = document.getElementById("f");
f.addEventListener("load", function () {
  var d = f.contentDocument, w = f.contentWindow;
  var main = d.querySelector("main"), nav = d.querySelector("nav.toc");
  var text = main.querySelector("p");
  var tables = Array.prototype.map.call(d.querySelectorAll("table.data"), function (t) {
    var r = t.getBoundingClientRect();
    return {right: r.right, scroll: t.scrollWidth, client: t.clientWidth};
  });
  var cards = Array.prototype.map.call(d.querySelectorAll(".card"), function (c) {
    return Math.round(c.getBoundingClientRect().left);
  });
  document.body.setAttribute("data-layout", JSON.stringify({
    viewport: w.innerWidth, page: d.documentElement.scrollWidth,
    text: text ? text.getBoundingClientRect().width : 0,
    nav_bottom: nav ? nav.getBoundingClientRect().bottom : 0,
    main_top: main.getBoundingClientRect().top, tables: tables, cards: cards
  }));
});
"""


def _run(chromium: str, profile: Path, *args: str) -> str:
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               f"--user-data-dir={profile}", *args]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=True)
    return done.stdout


def measure_phone(report: str, *, chromium: str, tmp: Path) -> dict:
    """Return the layout of ``report`` (HTML text) in a 390-px wide viewport."""
    # the report's CSP forbids scripts; the measured copy drops it, nothing else changes
    page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", report, count=1)
    wrapper = (
        '<!DOCTYPE html><html><body style="margin:0">'
        f'<iframe id="f" style="width:{PHONE}px;height:1500px;border:0" '
        f'srcdoc="{html.escape(page, quote=True)}"></iframe><script>{_MEASURE}</script></body></html>'
    )
    path = tmp / "measure.html"
    path.write_text(wrapper, encoding="utf-8")
    dom = _run(chromium, tmp / "profile", "--window-size=800,1600", "--virtual-time-budget=20000",
               "--dump-dom", path.as_uri())  # fmt: skip
    found = re.search(r'data-layout="([^"]*)"', dom)
    assert found, "the measuring script did not run"
    return json.loads(html.unescape(found.group(1)))


def print_a4(report_path: Path, *, chromium: str, tmp: Path) -> tuple[int, str]:
    """Print ``report_path`` to PDF; return its page count and page size line from pdfinfo."""
    pdf = tmp / "print.pdf"
    _run(chromium, tmp / "profile", "--no-pdf-header-footer", f"--print-to-pdf={pdf}", report_path.as_uri())
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    return pages, re.search(r"^Page size:\s+(.*)$", info, re.M).group(1)


def test_printed_tables_break_between_words_not_inside_them(chromium, tmp_path):
    """Corporate's attention table on A4 printed "Менед|жер", "Недобо|р в квартал" and
    "Столичны|й": cells may wrap between words only (numbers not at all)."""
    rows = pd.DataFrame({
        "Клиент": ["АО «Столичный Таксопарк»", "ООО «Сибирь Авто»"],
        "Менеджер": ["Орлов Д. С.", "Павлова Н. А."],
        "Причина": ["покупает намного меньше своего обычного темпа; крупный клиент у менеджера, на "
                    "которого приходится большая доля выручки", "покупает намного меньше своего обычного темпа"],
        "Под угрозой, сумма": ["2,42\xa0млрд\xa0₽", "132\xa0млн\xa0₽"],
        "Недобор в квартал": ["1,1\xa0млрд\xa0₽", "35\xa0млн\xa0₽"],
        "Рекомендуемое действие": ["позвоните на этой неделе: узнайте, почему упали заказы, и согласуйте "
                                   "следующий заказ; назначьте клиенту второе контактное лицо"] * 2,
    })  # fmt: skip
    cell = nbformat.v4.new_code_cell("show()")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": str(html_table(rows))})]
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [cell]
    path = tmp_path / "report.html"
    path.write_text(export_html(notebook, title="Таблица"), encoding="utf-8")
    print_a4(path, chromium=chromium, tmp=tmp_path)
    printed = subprocess.run(["pdftotext", str(tmp_path / "print.pdf"), "-"], capture_output=True,
                             text=True, check=True).stdout
    for words in ("Менеджер", r"Недобор\s+в\s+квартал", "Столичный", r"2,42\s+млрд"):
        assert re.search(words, printed), (words, printed[:400])


def _wide_report() -> str:
    """Export a small notebook holding what breaks phones: a 14-column table, cards, long text."""
    wide = pd.DataFrame({f"column number {i}": [123456.789 * i, 2.5] for i in range(14)})
    cards = kpi_cards([Card(f"Card {i}", "14.39 bn RUB", "A sentence under the value.") for i in range(5)])
    cell = nbformat.v4.new_code_cell("show()")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": str(cards)}),
        nbformat.v4.new_output("display_data", data={"text/html": str(html_table(wide))}),
    ]
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Report\n\n" + "A readable paragraph of the report. " * 20),
        *[nbformat.v4.new_markdown_cell(f"## Section {i} with a long heading\n\nText.") for i in range(12)],
        cell,
    ]
    return export_html(notebook, title="Layout")


def test_a_phone_gets_one_text_column_stacked_cards_and_tables_that_scroll_in_their_box(chromium, tmp_path):
    layout = measure_phone(_wide_report(), chromium=chromium, tmp=tmp_path)
    assert layout["viewport"] == PHONE
    assert layout["page"] <= PHONE  # nothing widens the page: no sideways scrolling
    assert layout["text"] >= 300  # the contents column no longer eats the screen
    assert layout["nav_bottom"] <= layout["main_top"] + 1  # contents above the text, not beside
    assert len(set(layout["cards"])) == 1 and len(layout["cards"]) == 5  # cards stacked
    (table,) = layout["tables"]
    assert table["scroll"] > table["client"] and table["right"] <= PHONE  # scrolls inside its box


def test_the_report_prints_on_a4(chromium, tmp_path):
    path = tmp_path / "report.html"
    path.write_text(_wide_report(), encoding="utf-8")
    pages, size = print_a4(path, chromium=chromium, tmp=tmp_path)
    width, height = (float(v) for v in re.findall(r"[\d.]+", size)[:2])
    assert (round(width), round(height)) == (595, 842)  # A4 in points, not US Letter (612x792)
    assert pages >= 1


@pytest.mark.slow
def test_the_fleet_report_in_russian_fits_a_phone_and_twelve_a4_pages(chromium, tmp_path_factory):
    from insights import pipeline
    from insights.publish.report import publish_report

    from conftest import copy_project

    project = copy_project(tmp_path_factory.mktemp("layout"), language=None)  # the default: Russian
    result = publish_report("fleet", root=project, update_index=False,
                            prepare=pipeline.report_to_hand_over)
    report = result.report_html.read_text(encoding="utf-8")
    assert '<html lang="ru">' in report and "Содержание" in report
    visible = _visible_text(report)
    for heading in ("Главное", "Требует внимания", "Зависимость от нескольких клиентов", "Приложение: качество данных"):
        assert f">{heading}</h" in report, heading
    assert not re.search(r"\d,\d{3}(?!\d)", visible), re.findall(r".{30}\d,\d{3}.{10}", visible)[:3]
    assert not re.search(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b", visible), re.findall(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b", visible)[:5]
    assert re.search(r"\d\xa0(млн|млрд)\xa0₽", visible)
    assert "Headline" not in visible and "Needs attention" not in visible
    layout = measure_phone(report, chromium=chromium, tmp=tmp_path_factory.mktemp("phone"))
    assert layout["page"] <= PHONE and layout["text"] >= 300
    assert all(t["right"] <= PHONE for t in layout["tables"])
    pages, _ = print_a4(result.report_html, chromium=chromium, tmp=tmp_path_factory.mktemp("a4"))
    assert pages <= MAX_PAGES


def _visible_text(page: str) -> str:
    """Return the text a reader sees: no style, script, tags or image data."""
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))
