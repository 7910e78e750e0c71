"""Names hidden means hidden everywhere: the quarantine file, and pseudonyms under a key."""

import pandas as pd

from insights.reporting.core import customer_labels
from insights.reporting.quality import HIDDEN, quarantine_frame

NAMES = ("Кузнецова Б. М.", "ООО Ромашка", "Petrov Ivan")


def _rejected() -> pd.DataFrame:
    """Three rejects as loading and cleaning give them: a whole raw line, a bad amount, a
    name shifted into the amount column."""
    return pd.DataFrame({
        "source_file": ["x.csv"] * 4, "source_line": [7, 9, 12, 15],
        "column": ["(row)", "amount", "amount", "order_date"],
        "raw_value": ["001;01.02.2025;10;A1;Кузнецова Б. М.;extra", "н/д", "ООО Ромашка", "32.01.2025"],
        "reason": ["row has more fields than the header", "amount 'н/д' is not a number",
                   "amount 'ООО Ромашка' is not a number", "order_date '32.01.2025' is not a date"],
        "rule": ["too_many_fields", "bad_amount", "bad_amount", "bad_date"],
        "amount_value": [float("nan"), float("nan"), float("nan"), 5.0],
        "customer_id": ["001", "002", "003", "004"],
        "customer_name": ["Кузнецова Б. М.", "Petrov Ivan", None, "Petrov Ivan"],
        "region": ["Кузнецова Б. М.", "moscow", "kazan", "kazan"],  # the long row's fields shifted
    })  # fmt: skip


def test_hidden_names_appear_nowhere_in_the_quarantine():
    out = quarantine_frame(_rejected(), show_names=False)
    text = out.to_csv(index=False)
    assert not [name for name in NAMES if name in text]
    assert out["source_line"].tolist() == [7, 9, 12, 15]  # lineage kept: an analyst finds the row
    assert out["rule"].tolist() == _rejected()["rule"].tolist()
    assert out.loc[3, "raw_value"] == "32.01.2025"  # a date is never a name: shown
    assert out.loc[2, "raw_value"] == HIDDEN and out.loc[2, "reason"] == "amount '…' is not a number"
    assert out.loc[0, ["customer_id", "region"]].isna().all()  # a whole-row reject keeps no fields
    assert out.loc[1, "region"] == "moscow"


def test_shown_names_keep_the_quarantine_whole():
    pd.testing.assert_frame_equal(quarantine_frame(_rejected(), show_names=True), _rejected())


def test_pseudonyms_are_the_same_under_one_key_and_differ_under_another(monkeypatch):
    frame = pd.DataFrame({"customer_id": ["001", "002"], "customer_name": ["A", "B"]})
    monkeypatch.setenv("INSIGHTS_PSEUDONYM_KEY", "first-key-of-the-tests-000")
    first = customer_labels(frame, show_names=False, salt="retail").tolist()
    again = customer_labels(frame, show_names=False, salt="retail").tolist()
    monkeypatch.setenv("INSIGHTS_PSEUDONYM_KEY", "second-key-of-the-tests-00")
    other = customer_labels(frame, show_names=False, salt="retail").tolist()
    assert first == again and not set(first) & set(other)
    assert not {"A", "B"} & set(first)


def test_a_russian_quarantine_says_the_rule_in_russian_and_keeps_the_details_and_the_privacy():
    """The Russian quarantine's "Причина" column held English sentences ("customer_id is
    empty") and its "Столбец" column the code names; the rule now reads as in the report's
    table of rejects, with the checks' own sentence (line numbers, dates) beside it."""
    from insights.reporting.i18n import set_language

    set_language("ru")
    try:
        out = quarantine_frame(_rejected(), show_names=False)
    finally:
        set_language("en")
    text = out.to_csv(index=False)
    assert not [name for name in NAMES if name in text]  # still nothing hidden shows
    assert out["reason"].tolist() == ["в строке больше полей, чем в заголовке", "сумма — не число",
                                      "сумма — не число", "дата заказа — не дата"]
    assert out.loc[1, "reason_detail"] == "amount 'н/д' is not a number"
    assert out.loc[2, "reason_detail"] == "amount '…' is not a number"  # the hidden value stays hidden
    assert out["column"].tolist() == ["(row)", "Сумма", "Сумма", "Дата заказа"]
    assert out.loc[2, "raw_value"].startswith("(скрыто")
    assert out["rule"].tolist() == _rejected()["rule"].tolist()  # codes stay for the analyst
