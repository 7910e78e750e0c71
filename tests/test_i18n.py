"""The report's language: catalogues, plural forms, numbers, money, dates, quarters and labels.

Expected texts are written out by hand from the Russian rules (CLDR via Babel): a no-break
space (U+00A0) groups thousands, the decimal mark is a comma, a percent sign follows a
no-break space; English output stays what it always was.
"""

from __future__ import annotations

from datetime import date

import pytest

from insights.params import ParamsError, parse_params
from insights.reporting import core
from insights.reporting.i18n import _, current_language, ngettext, set_language, translations
from insights.reporting.labels import (
    label_code,
    label_column,
    label_dimension,
    set_labels,
    use_report_params,
)

NB = "\u00a0"


@pytest.fixture
def ru():
    set_language("ru")
    yield
    set_language("en")
    set_labels(None)


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "1 покупка"), (2, "2 покупки"), (5, "5 покупок"), (11, "11 покупок"), (21, "21 покупка"),
     (22, "22 покупки"), (25, "25 покупок")],
)  # fmt: skip
def test_russian_plurals_follow_the_catalogue_rule(ru, n, text):
    assert core.fmt_purchases(n) == text


def test_english_plurals_and_untranslated_text_stay_english():
    assert [core.fmt_purchases(n) for n in (1, 2, 21)] == ["1 purchase", "2 purchases", "21 purchases"]
    assert _("Contents") == "Contents" and ngettext("{n} customer", "{n} customers", 1) == "{n} customer"


def test_a_message_without_a_translation_falls_back_to_english(ru):
    assert _("A sentence nobody translated.") == "A sentence nobody translated."
    assert _("Contents") == "Содержание"


def test_every_catalogue_entry_is_translated_and_keeps_its_placeholders():
    import re
    from importlib import resources

    from babel.messages.pofile import read_po

    po = resources.files("insights") / "locale" / "ru" / "LC_MESSAGES" / "insights.po"
    with po.open("rb") as handle:
        catalog = read_po(handle)
    entries = [m for m in catalog if m.id]
    assert len(entries) > 100 and translations("ru") is translations("ru")
    for message in entries:
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(texts) and not message.fuzzy, f"untranslated: {sources[0]!r}"
        wanted = set(re.findall(r"\{\w+\}|%\(\w+\)d", sources[0]))
        assert all(set(re.findall(r"\{\w+\}|%\(\w+\)d", t)) == wanted for t in texts), sources[0]


def test_russian_numbers_money_shares_dates_and_quarters(ru):
    assert core.fmt_int(1_234_567) == f"1{NB}234{NB}567"
    assert core.fmt_number(1_234_567.891, digits=2) == f"1{NB}234{NB}567,89"
    assert core.fmt_number(-0.01, digits=0) == "0"
    assert core.fmt_money(14_390_000_000, currency="RUB") == f"14,4{NB}млрд{NB}₽"
    assert core.fmt_money(146_000_000) == f"146{NB}млн{NB}₽"
    assert core.fmt_money(1_234) == f"1,23{NB}тыс.{NB}₽"
    assert core.fmt_money(-950) == f"\u2212950{NB}₽"  # the minus sign, not a hyphen
    assert core.fmt_share(-0.24) == f"\u221224,0{NB}%" and core.fmt_number(-7.34) == "\u22127,3"
    assert core.fmt_share(0.573) == f"57,3{NB}%"
    assert core.fmt_share(0.00004) == f"<0,1{NB}%"
    assert core.fmt_date(date(2026, 9, 30)) == "30 сентября 2026\u202fг."
    assert core.fmt_quarter("2026Q3") == "III кв. 2026"
    assert core.fmt_money(None) == core.fmt_int(None) == "–"


def test_english_formats_are_unchanged():
    assert current_language() == "en"
    assert core.fmt_int(12345) == "12,345"
    assert core.fmt_money(14_390_000_000, currency="RUB") == "14.39 bn RUB"
    assert core.fmt_money(1_040) == "1.04 k RUB"
    assert core.fmt_share(0.573) == "57.3%" and core.fmt_share(-0.00004) == ">-0.1%"
    assert core.fmt_number(1234.56) == "1,234.6"
    assert core.fmt_date(date(2026, 9, 30)) == "30 September 2026"
    assert core.fmt_quarter("2026Q3") == "Q3 2026"


def test_a_russian_table_shows_russian_numbers_and_no_comma_grouping(ru):
    import pandas as pd

    table = core.html_table(pd.DataFrame({"n": [1234567], "x": [0.5]}), formats={"n": "int"})
    assert f"1{NB}234{NB}567" in table and "0,5" in table and "1,234" not in table


def test_codes_get_labels_from_params_in_the_report_language(ru):
    params = parse_params(
        {"unit": "fleet", "source": {"paths": ["x.csv"]},
         "report": {"language": "ru", "labels": {"customer_type": {"small_business": {"ru": "МСП", "en": "SMB"}}}}},
        origin="test",
    )  # fmt: skip
    assert use_report_params(params.report) == "ru"
    assert label_code("customer_type", "small_business") == "МСП"
    set_language("en")
    assert label_code("customer_type", "small_business") == "SMB"


def test_codes_without_a_label_are_readable_never_snake_case(ru):
    set_labels(None)
    assert label_code("customer_type", "small_business") == "Малый бизнес"  # catalogue
    assert label_code("region", "nizhny_novgorod") == "Nizhny novgorod"  # readable
    assert label_code("customer", "ООО «Ромашка»") == "ООО «Ромашка»"  # a name is left as it is
    assert label_code("region", None) == "–"
    assert label_column("revenue_12m") == "Выручка за 12 месяцев"
    assert label_dimension("customer_type") == "тип клиента"


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="unknown report language"):
        set_language("de")
    with pytest.raises(ParamsError):
        parse_params({"unit": "fleet", "source": {"paths": ["x.csv"]}, "report": {"language": "de"}}, origin="t")


def test_an_empty_quarter_is_no_quarter_in_either_language(ru):
    """A failed run without a quarter is shown as "latest quarter", never crashes the index."""
    with pytest.raises(ValueError):
        core.fmt_quarter("")


def test_the_movement_heatmaps_not_yet_row_is_translated():
    from insights.reporting.labels import label_code
    from insights.segments import NOT_YET

    set_language("ru")
    try:
        assert label_code("segment", NOT_YET) == "(ещё не клиент)"
    finally:
        set_language("en")
    assert label_code("segment", NOT_YET) == NOT_YET
