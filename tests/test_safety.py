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


KEY_A, KEY_B = "a-secret-key-for-tests-0001", "another-secret-key-for-tests"


def test_pseudonyms_are_keyed_64_bit_hmacs_that_change_with_the_key(monkeypatch):
    monkeypatch.setenv("INSIGHTS_PSEUDONYM_KEY", KEY_A)
    under_a = [pseudonym(f"{i:06d}", salt="fleet") for i in range(2000)]
    monkeypatch.setenv("INSIGHTS_PSEUDONYM_KEY", KEY_B)
    under_b = [pseudonym(f"{i:06d}", salt="fleet") for i in range(2000)]
    assert len(set(under_a)) == 2000 and not set(under_a) & set(under_b)
    assert all(len(p) == 2 + 16 and int(p[2:], 16) >= 0 for p in under_a)
    import hashlib
    import hmac

    expected = hmac.new(KEY_A.encode(), b"fleet\x1f000417", hashlib.sha256).hexdigest()[:16].upper()
    monkeypatch.setenv("INSIGHTS_PSEUDONYM_KEY", KEY_A)
    assert pseudonym("000417", salt="fleet") == f"C-{expected}"  # RFC 2104 HMAC-SHA-256


def test_pseudonyms_of_many_ids_equal_one_at_a_time_and_need_no_key_for_none(monkeypatch):
    from insights.safety import pseudonyms

    monkeypatch.setenv("INSIGHTS_PSEUDONYM_KEY", KEY_A)
    ids = ["000417", "000418", "Ёлка ООО", "", 17]
    expected = hmac_hex(KEY_A, b"retail\x1f000417")
    assert pseudonyms(ids, salt="retail")[0] == f"C-{expected}"
    assert pseudonyms(ids, salt="retail") == [pseudonym(i, salt="retail") for i in ids]
    assert pseudonyms(iter(ids), salt="retail", key=KEY_B.encode()) == [
        pseudonym(i, salt="retail", key=KEY_B.encode()) for i in ids]
    monkeypatch.setenv("INSIGHTS_PSEUDONYM_KEY", "short")  # would be refused if it were read
    assert pseudonyms([], salt="retail") == []


def hmac_hex(key: str, message: bytes) -> str:
    import hashlib
    import hmac

    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()[:16].upper()


def test_without_the_variable_a_key_file_is_created_once_private_and_reused(tmp_path, monkeypatch):
    from insights.safety import pseudonym_key

    monkeypatch.delenv("INSIGHTS_PSEUDONYM_KEY", raising=False)
    (tmp_path / "params").mkdir()
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "params")  # the project root is found upward
    first = pseudonym("000417", salt="fleet")
    key_file = tmp_path / ".insights" / "pseudonym.key"
    assert key_file.is_file() and key_file.stat().st_mode & 0o777 == 0o600
    assert len(key_file.read_text().strip()) == 64 and pseudonym_key() == key_file.read_text().strip().encode()
    assert pseudonym("000417", salt="fleet") == first


def test_a_short_or_symlinked_key_is_refused(tmp_path, monkeypatch):
    from insights.safety import PseudonymKeyError

    monkeypatch.setenv("INSIGHTS_PSEUDONYM_KEY", "short")
    with pytest.raises(PseudonymKeyError, match="16 characters"):
        pseudonym("1", salt="fleet")
    monkeypatch.delenv("INSIGHTS_PSEUDONYM_KEY")
    (tmp_path / "real.key").write_text("k" * 64, encoding="utf-8")
    (tmp_path / "link.key").symlink_to(tmp_path / "real.key")
    monkeypatch.setenv("INSIGHTS_PSEUDONYM_KEY_FILE", str(tmp_path / "link.key"))
    with pytest.raises(PseudonymKeyError, match="symlink"):
        pseudonym("1", salt="fleet")


@pytest.mark.parametrize("dtype", ["string", "str", object])
def test_neutralize_frame_quotes_every_formula_start_in_every_text_dtype(dtype):
    starts = ["=1", "+x", "-3", "@a", "\tq", "\rr", "＝f", "＋g", "－h", "＠i"]
    safe = ["ok", "", "a=b", " =c", None]
    frame = pd.DataFrame({"text": pd.Series(starts + safe, dtype=dtype), "n": range(15)})
    out = neutralize_frame(frame)
    assert dtype is object or out["text"].dtype == frame["text"].dtype  # text dtypes kept
    assert out["text"].iloc[:10].tolist() == ["'" + s for s in starts]
    assert out["text"].iloc[10:14].tolist() == safe[:4] and pd.isna(out["text"].iloc[14])
    assert out["n"].tolist() == list(range(15)) and frame["text"].iloc[0] == "=1"
