"""HTML for publishing: the executed notebook as a self-contained report, and the index page.

The report carries no code, no parameters cell, no scripts and no external URLs; images are
embedded; a restrictive Content-Security-Policy is set in the page head; a table of contents
is built from the section headings.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import html
import re
from importlib import resources

import nbformat

from insights.reporting.i18n import _, current_language

#: Cells with these tags never reach the HTML.
REMOVED_TAGS = ("remove_cell", "parameters", "injected-parameters")

_HEADING = re.compile(r"<h([23])>(.*?)</h\1>", re.S)


def _template_dir() -> str:
    return str(resources.files("insights.publish") / "templates")


def _css() -> str:
    return (resources.files("insights.publish") / "templates" / "insights_report" / "report.css").read_text(
        encoding="utf-8"
    )


@functools.cache
def _exporter():
    """Return the report's nbconvert exporter, built once per process (its templates compile once)."""
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
    return exporter


def prepare_export() -> None:
    """Import nbconvert and render a two-cell notebook with the report's exporter, discarding it.

    ``publish.report`` runs this in a background thread while the kernel runs the report
    notebook (the publishing process is idle then), so the real export finds nbconvert
    imported and its templates compiled. A failure here is left to the real export to report.
    """
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("## Contents"),
        nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output(
            "display_data", data={"text/html": "<p>ready</p>", "text/plain": "ready"})]),
    ])  # fmt: skip
    with contextlib.suppress(Exception):
        _exporter().from_notebook_node(notebook, resources={"report_title": "", "report_css": ""})


def export_html(notebook: nbformat.NotebookNode, *, title: str) -> str:
    """Export an executed notebook to the executive HTML report and return it as text."""
    body, _resources = _exporter().from_notebook_node(
        _without_stderr(notebook),
        resources={
            "report_title": title, "report_css": _css(),
            "report_language": current_language(), "toc_label": _("Contents"),
        },  # fmt: skip
    )
    body, toc = _number_headings(body)
    return body.replace("@@INSIGHTS_TOC@@", toc, 1)


def _without_stderr(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop kernel warnings (stderr), counted in metadata; give each chart alt text.

    A chart's alt text names the section it illustrates (the nearest heading above it) and
    states its message: the first sentence of the text written just before it.
    """
    clean = copy.deepcopy(notebook)
    heading, message = _("report"), ""
    for cell in clean.cells:
        if cell.cell_type == "markdown":
            titles = re.findall(r"^#{1,3}\s+(.+)$", cell.source, flags=re.M)
            heading = titles[-1].strip() if titles else heading
            message = _first_sentence(cell.source) or ("" if titles else message)
            continue
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):  # a section heading shown by reporting.sections
            shown = str(output.get("data", {}).get("text/html", ""))
            titles = re.findall(r"<h[23][^>]*>(.*?)</h[23]>", shown, flags=re.S)
            if titles:
                heading = html.unescape(re.sub(r"<[^>]+>", "", titles[-1])).strip()
                intro = re.findall(r'<p class="intro">(.*?)</p>', shown, flags=re.S)
                message = _first_sentence(html.unescape(re.sub(r"<[^>]+>", "", intro[0]))) if intro else ""
        cell.outputs = [
            o for o in cell.get("outputs", []) if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
        ]
        for output in cell.outputs:
            if "image/png" in output.get("data", {}):
                meta = output.setdefault("metadata", {}).setdefault("image/png", {})
                meta.setdefault("alt", _alt_text(heading, message))
    return clean


def _first_sentence(markdown: str) -> str:
    """Return the first sentence of a markdown cell's prose (headings and markup dropped)."""
    prose = " ".join(line for line in markdown.splitlines() if line.strip() and not line.lstrip().startswith("#"))
    prose = re.sub(r"[*_`>\[\]]+|\(https?:[^)]*\)", "", prose).strip()
    match = re.match(r"(.+?[.!?])(\s|$)", prose)
    return (match.group(1) if match else prose)[:300]


def _alt_text(heading: str, message: str) -> str:
    """Return a chart's alt text: the section it illustrates and, when known, its message."""
    alt = _("Chart: {section}").format(section=heading)
    return f"{alt}. {message}" if message else alt


def _number_headings(body: str) -> tuple[str, str]:
    """Give every h2/h3 a stable id and return the body with the table of contents."""
    items: list[str] = []
    used: set[str] = set()

    def anchor(match: re.Match) -> str:
        level, inner = match.group(1), match.group(2)
        label = html.unescape(re.sub(r"<[^>]+>", "", inner)).strip()
        slug = re.sub(r"[^\w]+", "-", label).strip("-_") or "section"
        while slug in used:
            slug += "-"
        used.add(slug)
        items.append(f'<li class="l{level}"><a href="#{slug}">{html.escape(label)}</a></li>')
        return f'<h{level} id="{slug}">{inner}</h{level}>'

    body = _HEADING.sub(anchor, body)
    title = html.escape(_("Contents"))
    return body, f'<div class="toc-title">{title}</div><ol>' + "".join(items) + "</ol>"


def render_index(entries: list[dict], failures: dict[str, dict], runs: dict[str, list[dict]] | None = None) -> str:
    """Render ``reports/index.html``: a dashboard of every unit (see ``publish.dashboard``)."""
    from insights.publish.dashboard import render_dashboard

    return render_dashboard(entries, failures, runs or {}, css=_css())
