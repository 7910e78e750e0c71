"""HTML for publishing: the executed notebook as a self-contained report, and the index page.

The report carries no code, no parameters cell, no scripts and no external URLs; images are
embedded; a restrictive Content-Security-Policy is set in the page head; a table of contents
is built from the section headings.
"""

from __future__ import annotations

import copy
import html
import re
from importlib import resources

import nbformat

from insights.reporting.core import escape_text, fmt_share

#: Cells with these tags never reach the HTML.
REMOVED_TAGS = ("remove_cell", "parameters", "injected-parameters")

_HEADING = re.compile(r"<h([23])>(.*?)</h\1>", re.S)


def _template_dir() -> str:
    return str(resources.files("insights.publish") / "templates")


def _css() -> str:
    return (resources.files("insights.publish") / "templates" / "insights_report" / "report.css").read_text(
        encoding="utf-8"
    )


def export_html(notebook: nbformat.NotebookNode, *, title: str) -> str:
    """Export an executed notebook to the executive HTML report and return it as text."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.HTMLExporter.exclude_input = True
    config.HTMLExporter.exclude_input_prompt = True
    config.HTMLExporter.exclude_output_prompt = True
    config.HTMLExporter.exclude_anchor_links = True
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = REMOVED_TAGS
    exporter = HTMLExporter(
        config=config, template_name="insights_report", extra_template_basedirs=[_template_dir()]
    )
    exporter.register_preprocessor("nbconvert.preprocessors.TagRemovePreprocessor", enabled=True)
    body, _ = exporter.from_notebook_node(
        _without_stderr(notebook), resources={"report_title": title, "report_css": _css()}
    )
    body, toc = _number_headings(body)
    return body.replace("@@INSIGHTS_TOC@@", toc, 1)


def _without_stderr(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop kernel warnings (stderr), counted in metadata; give each chart alt text.

    A chart's alt text names the section it illustrates (the nearest heading above it).
    """
    clean = copy.deepcopy(notebook)
    heading = "report"
    for cell in clean.cells:
        if cell.cell_type == "markdown":
            titles = re.findall(r"^#{1,3}\s+(.+)$", cell.source, flags=re.M)
            heading = titles[-1].strip() if titles else heading
            continue
        if cell.cell_type != "code":
            continue
        cell.outputs = [
            o for o in cell.get("outputs", []) if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
        ]
        for output in cell.outputs:
            if "image/png" in output.get("data", {}):
                meta = output.setdefault("metadata", {}).setdefault("image/png", {})
                meta.setdefault("alt", f"Chart: {heading}")
    return clean


def _number_headings(body: str) -> tuple[str, str]:
    """Give every h2/h3 a stable id and return the body with the table of contents."""
    items: list[str] = []
    used: set[str] = set()

    def anchor(match: re.Match) -> str:
        level, inner = match.group(1), match.group(2)
        label = html.unescape(re.sub(r"<[^>]+>", "", inner)).strip()
        slug = re.sub(r"[^0-9A-Za-z]+", "-", label).strip("-") or "section"
        while slug in used:
            slug += "-"
        used.add(slug)
        items.append(f'<li class="l{level}"><a href="#{slug}">{html.escape(label)}</a></li>')
        return f'<h{level} id="{slug}">{inner}</h{level}>'

    body = _HEADING.sub(anchor, body)
    return body, '<div class="toc-title">Contents</div><ol>' + "".join(items) + "</ol>"


_PROBLEMS = {"failed": "failed", "interrupted": "was interrupted"}


def render_index(entries: list[dict], failures: dict[str, dict]) -> str:
    """Render ``reports/index.html``: every unit and quarter with status and verdicts.

    A failed or interrupted last run is named with its error type only: an error message
    may quote the data (a source line, a name), and nothing from a source reaches the index.
    """
    rows = []
    for meta in sorted(entries, key=lambda m: (str(m.get("unit")), str(m.get("quarter"))), reverse=False):
        unit, quarter = str(meta.get("unit", "")), str(meta.get("quarter", ""))
        head = meta.get("headline", {})
        verdicts = meta.get("verdicts", {})
        link = f"{html.escape(unit, quote=True)}/{html.escape(quarter, quote=True)}/report.html"
        rows.append(
            "<tr>"
            f'<td><a href="{link}">{escape_text(unit)}</a></td><td>{escape_text(quarter)}</td>'
            f"<td>{escape_text(meta.get('status', ''))}</td>"
            f"<td>{escape_text(verdicts.get('express_test', '–'))}</td>"
            f"<td>{escape_text(verdicts.get('hhi_band', '–'))}</td>"
            f"<td class='num'>{escape_text(fmt_share(head.get('top1_share')))}</td>"
            f"<td>{escape_text(verdicts.get('summary', ''), max_length=300)}</td>"
            "</tr>"
        )
    failed = "".join(
        f"<li>{escape_text(unit)} {escape_text(info.get('quarter', ''))}: last run "
        f"{escape_text(_PROBLEMS.get(str(info.get('status')), 'failed'))} "
        f"({escape_text(info.get('error_type') or 'error', max_length=60)}, details in "
        f"{escape_text(unit)}/runs.jsonl); the previous report, if any, is kept.</li>"
        for unit, info in sorted(failures.items())
    )
    failed_html = f'<div class="note note-bad"><ul>{failed}</ul></div>' if failed else ""
    return _INDEX.format(
        css=_css(),
        failed=failed_html,
        rows="".join(rows) or '<tr><td colspan="7">No report published yet.</td></tr>',
    )


_INDEX = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<title>insights — quarterly customer reports</title>
<style>{css}</style>
</head>
<body><div class="page"><main>
<h1>Quarterly customer reports</h1>
<p class="lead">Every business unit and quarter published so far, with its headline verdicts.</p>
{failed}
<table class="data"><thead><tr><th>Unit</th><th>Quarter</th><th>Status</th><th>Express test</th>
<th>Concentration (HHI band)</th><th>Top-1 customer share</th><th>Summary</th></tr></thead>
<tbody>{rows}</tbody></table>
</main></div></body>
</html>
"""
