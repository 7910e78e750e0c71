"""The index page as a dashboard: verdicts, the first attention item, changes, history, problems.

Built with ``build_index`` from hand-written ``metadata.json`` files and run logs in a temporary
``reports/`` folder; the expected texts follow from those files.
"""

from __future__ import annotations

import json
from pathlib import Path

from insights.publish.report import build_index

EVIL = '<script>alert("x")</script>'


def _publish(root: Path, unit: str, quarter: str, **extra) -> None:
    folder = root / "reports" / unit / quarter
    folder.mkdir(parents=True)
    meta = {
        "unit": unit, "quarter": quarter, "status": "published",
        "headline": {"top1_share": 0.2, "revenue_12m": 14_390_000_000, "revenue_12m_change": 0.083,
                     "active_customers_change": -0.023},
        "verdicts": {"express_test": "green", "hhi_band": "unconcentrated", "summary": "s"},
        "params": {"source": {"currency": "RUB"}},
    } | extra  # fmt: skip
    (folder / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")


def _log(root: Path, unit: str, *records: dict) -> None:
    path = root / "reports" / unit / "runs.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def test_each_unit_shows_its_latest_verdicts_changes_and_earlier_quarters(tmp_path):
    _publish(tmp_path, "fleet", "2026Q2")
    _publish(tmp_path, "fleet", "2026Q3", verdicts={"express_test": "red", "hhi_band": "highly concentrated"})
    page = build_index(root=tmp_path).read_text(encoding="utf-8")
    assert '<a href="fleet/2026Q3/report.html">fleet</a>' in page
    assert "verdict-red" in page and "highly concentrated" in page and "Q3 2026" in page
    assert "revenue over 12 months +8.3%" in page and "active customers -2.3%" in page
    assert "14.39 bn RUB" in page and "20.0%" in page
    assert '<a href="fleet/2026Q2/report.html">Q2 2026</a>' in page  # the earlier quarter, linked


def test_the_first_attention_item_is_shown_escaped_and_only_when_present(tmp_path):
    attention = [
        {"customer": EVIL, "account_manager": "Иванов И. И.", "reasons": ["orders stopped", "margin fell"],
         "at_stake": 2_500_000, "action": "call this week"},
        {"customer": "second", "account_manager": "x", "reasons": [], "at_stake": 1, "action": "y"},
    ]  # fmt: skip
    _publish(tmp_path, "fleet", "2026Q3", attention=attention)
    _publish(tmp_path, "retail", "2026Q3")
    page = build_index(root=tmp_path).read_text(encoding="utf-8")
    assert EVIL not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "Иванов И. И." in page and "orders stopped; margin fell" in page and "2.50 M RUB" in page
    assert "and 1 more item in the report" in page
    assert page.count("Needs attention first") == 1  # retail has no attention list


def test_failed_interrupted_and_withdrawn_runs_are_visible(tmp_path):
    _publish(tmp_path, "fleet", "2026Q3")
    _log(tmp_path, "fleet",
         {"status": "published", "quarter": "2026Q2"},
         {"status": "withdrawn", "quarter": "2026Q2", "at": "2026-10-05T10:00:00Z", "reason": EVIL},
         {"status": "failed", "quarter": "2026Q3", "error": f"LoadError: {EVIL}", "error_type": "LoadError"})  # fmt: skip
    _log(tmp_path, "retail", {"status": "interrupted", "quarter": "2026Q3", "error_type": "killed"})
    page = build_index(root=tmp_path).read_text(encoding="utf-8")
    assert "Q3 2026: last run failed (LoadError" in page
    assert "retail" in page and "last run was interrupted (killed" in page
    assert "The report for Q2 2026 was withdrawn on 2026-10-05" in page
    assert EVIL not in page and "alert" not in page  # neither an error message nor a reason is shown


def test_a_russian_unit_gets_a_russian_card_and_page(tmp_path):
    _publish(tmp_path, "fleet", "2026Q3", language="ru")
    page = build_index(root=tmp_path).read_text(encoding="utf-8")
    assert '<html lang="ru">' in page and "Квартальные отчёты о клиентах" in page
    assert "III кв. 2026" in page and "14,4\u00a0млрд\u00a0₽" in page and "низкая концентрация" in page
    assert "выручка за 12 месяцев +8,3\u00a0%" in page


def test_an_empty_reports_folder_says_so(tmp_path):
    page = build_index(root=tmp_path).read_text(encoding="utf-8")
    assert "Отчётов пока нет." in page and '<html lang="ru">' in page  # Russian is the default language


def test_a_russian_card_names_the_unit_and_its_first_item_in_russian(tmp_path):
    """The index named units by their codes and showed the first item's reason codes and the
    English action; a Russian card says both as the report does."""
    attention = [{"customer": "АО «Столичный Таксопарк»", "account_manager": "Орлов Д. С.",
                  "reasons": ["declining", "single_manager"], "at_stake": 1_000_000_000,
                  "action": "call this week"}]  # fmt: skip
    params = {"source": {"currency": "RUB"},
              "report": {"title": "Корпоративные продажи: квартальный отчёт о клиентской базе"}}
    _publish(tmp_path, "corporate", "2026Q3", language="ru", attention=attention, params=params)
    page = build_index(root=tmp_path).read_text(encoding="utf-8")
    assert '<a href="corporate/2026Q3/report.html">Корпоративные продажи</a>' in page
    assert "покупает намного меньше своего обычного темпа" in page and "позвоните на этой неделе" in page
    assert "declining" not in page and "single_manager" not in page and "call this week" not in page
