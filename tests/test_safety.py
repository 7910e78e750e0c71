"""Untrusted text: invisible characters removed, pseudonyms stable, formulas neutralised."""

import pandas as pd
import pytest

from insights.safety import clean_display_text, neutralize_formula, neutralize_frame, pseudonym


def test_bidi_and_zero_width_characters_are_removed():
    assert clean_display_text("AC\u200bME\u202e\u2066 Ltd\ufeff") == "ACME Ltd"


def test_line_breaks_and_controls_become_single_spaces():
    assert clean_display_text("a\nb\r\n\tc\x00d") == "a b c d"


def test_long_names_are_shortened_with_an_ellipsis():
    out = clean_display_text("Общество с ограниченной ответственностью «Ромашка»", max_length=20)
    assert len(out) == 20 and out.endswith("…")


def test_missing_values_display_as_empty():
    assert clean_display_text(None) == "" and clean_display_text(float("nan")) == ""


def test_pseudonyms_are_stable_distinct_and_salted():
    assert pseudonym("000417", salt="fleet") == pseudonym("000417", salt="fleet")
    assert pseudonym("000417", salt="fleet") != pseudonym("000418", salt="fleet")
    assert pseudonym("000417", salt="fleet") != pseudonym("000417", salt="retail")
    assert "000417" not in pseudonym("000417", salt="fleet")


@pytest.mark.parametrize("cell", ["=1+1", "+7 900", "-2+3", "@SUM(A1)", "\tx", "\rx", "＝1"])
def test_formula_like_text_is_quoted(cell):
    assert neutralize_formula(cell) == "'" + cell


def test_numbers_and_plain_text_stay_as_they_are():
    assert neutralize_formula(-5.0) == -5.0
    assert neutralize_formula("ООО Вектор") == "ООО Вектор"


def test_neutralize_frame_covers_cells_and_headers_without_mutating():
    frame = pd.DataFrame({"=name": ["=cmd|' /C calc'!A0", "ok"], "amount": [-1.0, 2.0]})
    out = neutralize_frame(frame)
    assert out.columns.tolist() == ["'=name", "amount"]
    assert out.iloc[0, 0].startswith("'=")
    assert out["amount"].tolist() == [-1.0, 2.0]
    assert frame.columns.tolist() == ["=name", "amount"]  # input not mutated
