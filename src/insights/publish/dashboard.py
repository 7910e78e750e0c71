"""The index page as a dashboard: one card per unit, rendered from Jinja2 templates.

Per unit: the latest published quarter's verdicts (express test, concentration, largest
customer), its change since the previous quarter (the headline's ``*_change`` figures), the
first "needs attention" item when the metadata has an ``attention`` list, links to every
published quarter, and the unit's failed, interrupted or withdrawn runs. A unit's card is in
the unit's language (``language`` in its metadata); the page around the cards is in the
language most units use. Every value is autoescaped; a failed run is named by its error type
only (an error message may quote the data) and a withdrawal without its reason.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from importlib import resources

import jinja2
from markupsafe import Markup

from insights.params import ReportParams
from insights.reporting.attention import REASON_WORDS, action_words, reason_words
from insights.reporting.core import fmt_money, fmt_quarter, fmt_share
from insights.reporting.i18n import LANGUAGES, N_, _, current_language, ngettext, set_language
from insights.reporting.labels import label_code

#: Verdict colours a badge may take (marked for translation); anything else is grey.
COLOURS = (N_("green"), N_("yellow"), N_("red"), N_("grey"))
#: How a run that did not publish is named (status -> words).
PROBLEMS = {"failed": N_("failed"), "interrupted": N_("was interrupted"), "withdrawn": N_("withdrawn")}
#: Concentration bands as the index names them.
BANDS = {
    "unconcentrated": N_("unconcentrated"),
    "moderately concentrated": N_("moderately concentrated"),
    "highly concentrated": N_("highly concentrated"),
    "not applicable": N_("not applicable"),
}


@contextlib.contextmanager
def using_language(language: str) -> Iterator[str]:
    """Set ``language`` for the block and restore the previous one afterwards."""
    before = current_language()
    set_language(language if language in LANGUAGES else before)
    try:
        yield current_language()
    finally:
        set_language(before)


def _environment() -> jinja2.Environment:
    folder = resources.files("insights.publish") / "templates" / "dashboard"
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext=_, ngettext=ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


def render_dashboard(
    entries: list[dict], failures: dict[str, dict], runs: dict[str, list[dict]], *, css: str
) -> str:
    """Return the index page's HTML.

    ``entries``: every published quarter's metadata; ``failures``: unit -> its last run when it
    failed or was interrupted; ``runs``: unit -> its run log (withdrawals are read from it).
    """
    env = _environment()
    by_unit: dict[str, list[dict]] = {}
    for meta in entries:
        by_unit.setdefault(str(meta.get("unit", "")), []).append(meta)
    units = sorted(set(by_unit) | set(failures) | {u for u, log in runs.items() if _withdrawals(log)})
    languages = [str(metas[0].get("language", "en")) for metas in by_unit.values() if metas]
    page_language = _majority(languages)
    cards = []
    for unit in units:
        metas = sorted(by_unit.get(unit, []), key=lambda m: str(m.get("quarter", "")), reverse=True)
        language = str(metas[0].get("language", page_language)) if metas else page_language
        with using_language(language):
            view = unit_view(unit, metas, failures.get(unit), runs.get(unit, []))
            cards.append(Markup(env.get_template("card.html.j2").render(**view)))
    with using_language(page_language) as lang:
        return env.get_template("index.html.j2").render(language=lang, css=Markup(css), cards=cards)


def _majority(languages: list[str]) -> str:
    """Return the most used language (a tie goes to Russian, the readers' language).

    With no published unit to go by, the page takes a new unit's default language: never
    whatever an earlier call in the same process happened to set.
    """
    if not languages:
        return str(ReportParams.model_fields["language"].default)
    counts = Counter(languages)
    top = max(counts.values())
    tied = sorted(lang for lang, n in counts.items() if n == top)
    return "ru" if "ru" in tied else tied[0]


def unit_view(unit: str, metas: list[dict], failure: dict | None, log: list[dict]) -> dict:
    """Return what one unit's card shows, formatted in the current language (newest first)."""
    latest = metas[0] if metas else None
    return {
        "unit": unit,
        "name": _unit_name(unit, latest),
        "language": current_language(),
        "latest": _quarter_view(unit, latest) if latest else None,
        "earlier": [_quarter_view(unit, m) for m in metas[1:]],
        "problem": _problem_view(failure) if failure else None,
        "withdrawn": [
            {"quarter": _quarter_text(r.get("quarter", "")), "at": str(r.get("at", ""))[:10]}
            for r in _withdrawals(log)
        ],
    }


def _unit_name(unit: str, meta: dict | None) -> str:
    """Return the unit's name for a reader: its report title up to a colon, else its code.

    "Продажи автопарков: квартальный отчёт о клиентской базе" -> "Продажи автопарков".
    """
    title = (((meta or {}).get("params") or {}).get("report") or {}).get("title") or ""
    return str(title).split(": ", 1)[0].strip()[:80] or unit


def _quarter_view(unit: str, meta: dict) -> dict:
    head = meta.get("headline", {}) or {}
    verdicts = meta.get("verdicts", {}) or {}
    currency = ((meta.get("params") or {}).get("source") or {}).get("currency", "RUB")
    quarter = str(meta.get("quarter", ""))
    express = str(verdicts.get("express_test", "") or "")
    colour = express.split(" ")[0] if express.split(" ")[0] in COLOURS else "grey"
    band = str(verdicts.get("hhi_band", "") or "")
    return {
        "quarter": _quarter_text(quarter),
        "link": f"{unit}/{quarter}/report.html",
        "colour": colour,
        "express": _(colour),
        "band": _(BANDS[band]) if band in BANDS else band,
        "top1": fmt_share(head.get("top1_share")),
        "revenue": fmt_money(head.get("revenue_12m"), currency=currency),
        "changes": _changes(head),
        "attention": _attention_view(meta.get("attention"), currency=currency),
    }


def _changes(head: dict) -> list[str]:
    """Return the changes since the previous quarter that the metadata carries, as phrases."""
    names = {
        "revenue_12m_change": N_("revenue over 12 months {change}"),
        "active_customers_change": N_("active customers {change}"),
    }
    phrases = []
    for key, template in names.items():
        value = head.get(key)
        if isinstance(value, int | float) and value == value:
            sign = "+" if value > 0 else ""
            phrases.append(_(template).format(change=sign + fmt_share(value)))
    return phrases


def _attention_view(items: object, *, currency: str) -> dict | None:
    """Return the first "needs attention" item, or None when the metadata has none."""
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        return None
    first = items[0]
    codes = first.get("reasons")
    codes = [str(c) for c in codes] if isinstance(codes, list) else []
    known = codes and all(c in REASON_WORDS for c in codes)  # the words the report uses
    reasons = reason_words(codes) if known else "; ".join(codes)
    action = action_words(codes) if known else str(first.get("action", "") or "")
    stake = first.get("at_stake")
    return {
        "customer": str(first.get("customer", "") or ""),
        "manager": str(first.get("account_manager", "") or ""),
        "reasons": reasons[:300],
        "at_stake": fmt_money(stake, currency=currency) if isinstance(stake, int | float) else "",
        "action": action[:300],
        "more": len(items) - 1,
    }


def _problem_view(failure: dict) -> dict:
    status = str(failure.get("status", "failed"))
    return {
        "quarter": _quarter_text(failure.get("quarter", "")),
        "what": _(PROBLEMS.get(status, PROBLEMS["failed"])),
        "error_type": str(failure.get("error_type") or "error")[:60],
    }


def _withdrawals(log: list[dict]) -> list[dict]:
    return [r for r in log if isinstance(r, dict) and r.get("status") == "withdrawn"]


def _quarter_text(quarter: object) -> str:
    try:
        return fmt_quarter(str(quarter))
    except ValueError:
        return label_code("quarter", quarter) if quarter else _("latest quarter")
