"""Write a new unit's params from a survey of its export: every guess with its evidence.

``render_params`` turns a ``loading.survey.ExportSurvey`` into the text of
``params/<unit>.yaml``: each source setting and each column mapping is preceded by a comment
saying what decided it, so the analyst checks facts instead of guessing YAML. The text is
plain YAML (values are JSON-quoted, which YAML reads as-is) and always validates as
``Params``; ``insights init`` checks that before writing it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import yaml

from insights.params import Params, parse_params

if TYPE_CHECKING:
    from insights.loading.survey import ExportSurvey, Guess

_HEAD = """\
# {unit}: params written by `insights init {unit} --from {entry}`.
# Every setting below was guessed from the export; the comment above it says what decided it.
# Check them, then run `insights check {unit}` (loading, cleaning and the publishing gate,
# nothing published) and `make report UNIT={unit}`. Every key, its default and meaning:
# docs/analysts.md.
"""


def render_params(unit: str, survey: ExportSurvey) -> str:
    """Return the commented YAML text of ``params/<unit>.yaml`` for the surveyed export.

    Parameters
    ----------
    unit : str
        The unit name (``params.UNIT_NAME``); the file's stem.
    survey : ExportSurvey
        ``loading.survey.survey_export`` of the unit's export.

    Returns
    -------
    str
        YAML that ``params.load_params`` accepts as ``params/<unit>.yaml``.
    """
    lines = [_HEAD.format(unit=unit, entry=_comment(survey.entry)), f"unit: {unit}",
             'description: ""  # one line about the unit, shown under the report\'s title', "",
             "source:", f"  paths: [{_scalar(survey.entry)}]  # relative to the project root"]
    for key in ("format", "encoding", "delimiter", "decimal", "date_format", "dayfirst",
                "currency", "grain"):
        lines += _setting(key, getattr(survey, key))
    if survey.header_line != 1:
        lines += _setting("header_line", _guess(survey.header_line, "the first non-blank line"))
    lines += _export_date(survey)
    lines += ["", "# Export headers -> canonical columns (docs/analysts.md, 'Data contract')."]
    lines += _column_map(survey)
    lines += ["", "report:",
              "  # default false: stable pseudonyms instead of customer names in reports and",
              "  # exports; set true only where names may appear.",
              "  show_customer_names: false",
              "  language: ru  # ru or en: the report's, its exports' and its index card's language", "",
              f"random_state: {Params.model_fields['random_state'].default}"
              "  # seeds k-means, samples and experiment groups", ""]
    return "\n".join(lines)


def check_rendered(text: str, *, origin: str) -> Params:
    """Return the Params the rendered text gives; raise ``ParamsError`` when it is invalid."""
    return parse_params(yaml.safe_load(text), origin=origin)


def _setting(key: str, guess: Guess) -> list[str]:
    """Return the comment and value lines of one ``source`` key."""
    return [f"  # {key}: {_comment(guess.evidence)}", f"  {key}: {_scalar(guess.value)}"]


def _guess(value, evidence: str):
    from insights.loading.survey import Guess

    return Guess(value, evidence)


def _export_date(survey: ExportSurvey) -> list[str]:
    """Return the commented-out ``export_date`` line: only the analyst knows that day."""
    span = f" (the dates run from {survey.date_range[0]} to {survey.date_range[1]})" \
        if survey.date_range else ""
    return ["  # export_date: the day the export was taken; later rows are rejected as 'in the",
            f"  # future'. Not in the file{span}: set it as YYYY-MM-DD",
            "  export_date: null"]


def _column_map(survey: ExportSurvey) -> list[str]:
    """Return the ``column_map`` block: mapped headers with why, then the unmapped ones."""
    lines = ["column_map:"]
    for target, guess in survey.columns.items():
        lines += [f"  # {target}: {_comment(guess.evidence)}",
                  f"  {_scalar(guess.value)}: {target}"]
    for target in survey.missing:
        lines.append(f"  # {target}: NOT FOUND. Required: map the export's column here, as "
                     f"'<header>: {target}'")
    for header, why in survey.unmapped.items():
        lines.append(f"  # {_comment(_scalar(header))}: not mapped ({_comment(why)})")
    if not survey.columns:
        lines[0] = "column_map: {}"
    return lines


def _scalar(value) -> str:
    """Return ``value`` as a YAML flow scalar (JSON text; unusual characters escaped)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    text = json.dumps(str(value), ensure_ascii=False)
    return "".join(c if c.isprintable() and c not in "\u00a0\u202f\u2028\u2029"
                   else f"\\u{ord(c):04x}" for c in text)


def _comment(text: str) -> str:
    """Return ``text`` safe inside a YAML comment: one line, no control characters."""
    return "".join(c if c.isprintable() else " " for c in str(text)).strip()
