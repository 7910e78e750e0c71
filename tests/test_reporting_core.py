"""Executive HTML building blocks escape every data-derived string."""

import pandas as pd

from insights.reporting.core import (
    Card,
    Html,
    customer_labels,
    escape_text,
    fmt_money,
    fmt_share,
    html_table,
    kpi_cards,
    sentence,
    verdict_badge,
)

EVIL = '<img src=x onerror="alert(1)">'


def test_sentence_escapes_values_and_keeps_the_template():
    out = sentence("{name} brings {share} of revenue.", name=EVIL, share=fmt_share(0.57))
    assert isinstance(out, Html)
    assert "<img" not in out and "&lt;img" in out
    assert out.endswith("brings 57.0% of revenue.")


def test_table_escapes_cells_headers_and_caption():
    frame = pd.DataFrame({EVIL: [EVIL], "share": [0.5]})
    out = html_table(frame, formats={"share": "share"}, caption=EVIL)
    assert "<img" not in out
    assert out.count("&lt;img") == 3
    assert "50.0%" in out


def test_table_index_values_are_escaped_too():
    frame = pd.DataFrame({"v": [1.0]}, index=pd.Index([EVIL], name="<b>idx</b>"))
    out = html_table(frame, index=True)
    assert "<img" not in out and "<b>" not in out


def test_cards_and_badges_escape_text():
    out = kpi_cards([Card(label=EVIL, value="1", sentence=EVIL, tone="javascript:")])
    out += verdict_badge("red; background:url(x)", EVIL)
    assert "<img" not in out
    assert "card-neutral" in out and "verdict-grey" in out


def test_html_passes_through_escape_once():
    once = escape_text("a & b")
    assert escape_text(once) == "a &amp; b"


def test_money_and_share_formats():
    assert fmt_money(1_234_567) == "1.23 M RUB"
    assert fmt_money(12_500, currency="EUR") == "12.50 k EUR"
    assert fmt_share(None) == "–"
    assert fmt_share(0.0304, digits=1) == "3.0%"


def test_customer_labels_hide_names_unless_allowed():
    frame = pd.DataFrame({"customer_id": ["001", "002"], "customer_name": ["ООО Вектор", None]})
    hidden = customer_labels(frame, show_names=False, salt="u")
    assert not hidden.str.contains("Вектор").any()
    assert hidden.str.startswith("C-").all()
    shown = customer_labels(frame, show_names=True, salt="u")
    assert shown.iloc[0] == "ООО Вектор"
    assert shown.iloc[1].startswith("C-")  # no name: pseudonym, never empty


def test_small_shares_and_negative_zero_are_not_shown_as_zero_or_minus_zero():
    from insights.reporting.core import fmt_number, fmt_share

    assert fmt_share(0.0001) == "<0.1%" and fmt_share(-0.0001) == ">-0.1%"
    assert fmt_share(0.0004, digits=2) == "0.04%" and fmt_share(0.0) == "0.0%"
    assert fmt_share(0.0005) == "0.1%"  # 0.05 points rounds to 0.1 at one decimal
    assert fmt_number(-0.4, digits=0) == "0" and fmt_number(-0.6, digits=0) == "-1"
    assert fmt_number(-0.04) == "0.0" and fmt_number(-1234.5, digits=0) == "-1,234"


def test_money_cells_are_in_the_tables_currency():
    frame = pd.DataFrame({"revenue": [1_234_567.0, 950.0]})
    assert "1.23 M RUB" in html_table(frame, formats={"revenue": "money"})
    euros = html_table(frame, formats={"revenue": "money"}, currency="EUR")
    assert "1.23 M EUR" in euros and "950 EUR" in euros and "RUB" not in euros
