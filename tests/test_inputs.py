"""Issue 17: every input read truthfully, or the run stops and says why.

Each case is a small file built from the issue's description, with its answer worked out by
hand: rows and amounts exact, or a refusal naming file, line and value whose suggested
setting params accept. Nothing here may publish a wrong report with exit 0.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from insights import cli, pipeline
from insights.gate import GateError, check_rows
from insights.loading import LoadError
from insights.params import ParamsError, SourceParams, parse_params

HEADER = "customer_id;order_date;amount"
CDNOW = Path("/work/shared/data/cdnow/CDNOW_sample.txt")


def _unit(root: Path, body: str | bytes, *, name: str = "tx.csv", **source) -> object:
    """Write ``body`` to ``root/name`` and return params reading it (plus ``source`` keys)."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    (root / name).write_bytes(data)
    return parse_params({"unit": "t", "source": {"paths": [name], **source}}, origin="test")


def _rows(*lines: str) -> str:
    return "\n".join([HEADER, *lines]) + "\n"


_SETTING = r"source\.(\w+): ('[^']*'|\"[^\"]*\"|\[[^\]]*\]|[\w%/-]+(?:\.[\w%/-]+)*)"


def _suggestions(message: str) -> list[dict]:
    """Return the settings a message suggests: ``source.key: value``, or several joined by
    "with" (``source.format: fixed_width with source.widths: [10, 8]``) as one."""
    joined = re.findall(_SETTING + " with " + _SETTING, message)
    groups = [{k1: yaml.safe_load(v1), k2: yaml.safe_load(v2)} for k1, v1, k2, v2 in joined]
    rest = re.sub(_SETTING + " with " + _SETTING, "", message)
    return groups + [{key: yaml.safe_load(value)} for key, value in re.findall(_SETTING, rest)]


def _accepted(message: str) -> None:
    """Assert every setting the message suggests is accepted by params validation."""
    suggested = _suggestions(message)
    assert suggested, message
    for settings in suggested:
        SourceParams(paths=["a.csv"], **settings)


# --- 1. reading rules that never guess silently ----------------------------------------

US_DATES = _rows("A;12/25/2025;10.50", "B;01/02/2025;20.25", "C;03/14/2025;5.00",
                 "D;02/03/2025;1.00")


def test_us_dates_are_refused_with_line_value_and_the_setting(tmp_path):
    params = _unit(tmp_path, US_DATES)
    with pytest.raises(GateError) as error:
        pipeline.load_unit(params, root=tmp_path)
    message = str(error.value)
    assert "'12/25/2025' (tx.csv line 2)" in message and "'03/14/2025' (tx.csv line 4)" in message
    assert "source.dayfirst: false" in message
    _accepted(message)


def test_us_dates_read_month_first_when_params_say_so(tmp_path):
    params = _unit(tmp_path, US_DATES, dayfirst=False)
    data = pipeline.load_unit(params, root=tmp_path)
    kept = data.transactions
    assert kept["order_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2025-12-25", "2025-01-02", "2025-03-14", "2025-02-03"]
    assert kept["amount"].sum() == 36.75
    # 01/02 and 02/03 read differently day first: counted in the appendix notes
    assert data.quality["counts"]["date_order"] == 2


def test_dates_of_both_orders_are_refused(tmp_path):
    params = _unit(tmp_path, _rows("A;25.12.2025;1", "B;12.25.2025;2"))
    with pytest.raises(GateError, match=r"reads both ways.*'25\.12\.2025' \(tx\.csv line 2\)"
                       r".*'12\.25\.2025' \(tx\.csv line 3\).*source\.date_format") as error:
        pipeline.load_unit(params, root=tmp_path)
    SourceParams(paths=["a"], date_format="%d.%m.%Y")  # the suggested key takes a pattern
    assert "source.date_format" in str(error.value)


def test_lone_dot_group_in_a_decimal_comma_file_is_refused(tmp_path):
    params = _unit(tmp_path, _rows("A;01.02.2025;12,5", "B;01.02.2025;1.234"))
    with pytest.raises(GateError) as error:
        pipeline.load_unit(params, root=tmp_path)
    message = str(error.value)
    assert "'1.234' (tx.csv line 3)" in message and "source.thousands: '.'" in message
    _accepted(message)


def test_lone_dot_group_read_as_thousands_when_params_say_so(tmp_path):
    params = _unit(tmp_path, _rows("A;01.02.2025;12,5", "B;01.02.2025;1.234"), thousands=".")
    kept = pipeline.load_unit(params, root=tmp_path).transactions
    assert kept["amount"].tolist() == [12.5, 1234.0]


def test_lone_dot_group_read_as_thousands_when_the_column_groups_with_dots(tmp_path):
    params = _unit(tmp_path, _rows("A;01.02.2025;1.234,5", "B;01.02.2025;1.234"))
    data = pipeline.load_unit(params, root=tmp_path)
    assert data.transactions["amount"].tolist() == [1234.5, 1234.0]
    assert data.quality["counts"]["thousands:amount"] == 1
    assert any("1 values such as 1.234" in n for n in data.quality["notes"])


# --- 2. every line accounted for ---------------------------------------------------------

def test_stray_quote_rejects_its_line_only_and_is_counted(tmp_path):
    params = _unit(tmp_path, _rows('A;01.02.2025;10', '"B;01.02.2025;20', 'C;01.02.2025;30',
                                   'D;01.02.2025;40'))
    data = pipeline.load_unit(params, root=tmp_path, check=False)
    assert data.transactions["customer_id"].tolist() == ["A", "C", "D"]
    assert data.rejected[["source_line", "rule"]].values.tolist() == [[3, "unterminated_quote"]]
    quality = data.quality
    assert (quality["rows_read"], quality["rows_kept"], quality["rows_rejected"]) == (4, 3, 1)
    assert quality["reconciles"] is True


def test_nul_byte_rejects_only_its_line(tmp_path):
    body = _rows("A;01.02.2025;10", "B;01.02.2025;2\x000", "C;01.02.2025;30").encode("utf-8")
    params = _unit(tmp_path, body)
    data = pipeline.load_unit(params, root=tmp_path, check=False)
    assert data.transactions["amount"].tolist() == [10.0, 30.0]
    reject = data.rejected.iloc[0]
    assert (reject["source_line"], reject["rule"]) == (3, "nul_byte")
    assert "character 15" in reject["reason"]


def test_undecodable_byte_is_named_with_line_and_byte_offset(tmp_path):
    # UTF-8 Russian text with one broken byte on line 3: the header is 30 bytes, line 2
    # ("Анна;01.02.2025;10") 23, and "Бор" 6, so the byte 0xff sits at offset 59
    body = _rows("Анна;01.02.2025;10", "Борис;01.02.2025;5", "Виктория;01.02.2025;7")
    body = body.encode("utf-8").replace("Бор".encode(), "Бор".encode() + b"\xff")
    params = _unit(tmp_path, body)
    with pytest.raises(LoadError, match=r"line 3, byte offset 59 \(0xff\) is not valid UTF-8"
                       r".*source\.encoding: utf-8") as error:
        pipeline.load_unit(params, root=tmp_path)
    _accepted(str(error.value))


def test_undecodable_line_rejected_alone_under_declared_utf8(tmp_path):
    body = _rows("Анна;01.02.2025;10", "Борис;01.02.2025;5", "Виктория;01.02.2025;7")
    body = body.encode("utf-8").replace("Бор".encode(), "Бор".encode() + b"\xff")
    params = _unit(tmp_path, body, encoding="utf-8")
    data = pipeline.load_unit(params, root=tmp_path, check=False)
    assert data.transactions["customer_id"].tolist() == ["Анна", "Виктория"]
    reject = data.rejected.iloc[0]
    assert (reject["source_line"], reject["rule"]) == (3, "undecodable")
    assert "byte 0xff (character 4)" in reject["reason"] and reject["raw_value"].startswith("Бор\ufffdис")


# --- 3. plausibility: placeholders, ranges, totals, currencies ----------------------------

def test_placeholder_amount_is_rejected_not_summed(tmp_path):
    # 999 999,00 can be a real price (a car); 999 999 999 999,00 is a placeholder
    params = _unit(tmp_path, _rows("A;01.02.2025;100,00", "B;01.02.2025;999 999 999 999,00",
                                   "C;01.02.2025;50,25", "D;01.02.2025;999 999,00"), decimal=",")
    data = pipeline.load_unit(params, root=tmp_path, check=False)  # 1 row of 4: the gate stops
    assert data.transactions["amount"].tolist() == [100.0, 50.25, 999999.0]
    reject = data.rejected.iloc[0]
    assert (reject["source_line"], reject["rule"]) == (3, "placeholder_amount")


def test_amount_outside_the_params_range_is_rejected(tmp_path):
    params = _unit(tmp_path, _rows("A;01.02.2025;100", "B;01.02.2025;-5000", "C;01.02.2025;70"),
                   amount_min=-1000, amount_max=1000)
    data = pipeline.load_unit(params, root=tmp_path, check=False)
    assert data.transactions["amount"].tolist() == [100.0, 70.0]
    assert data.rejected["rule"].tolist() == ["amount_out_of_range"]
    assert "below the plausible minimum -1,000.00" in data.rejected["reason"].iloc[0]


def test_derived_range_rejects_a_wild_amount(tmp_path):
    # 200 amounts of 1..200 and one of 5 000 000: the 99th percentile of the 201 absolute
    # amounts is the 199th smallest, 199, so the plausible maximum is 199 000
    lines = [f"C{i};01.02.2025;{i}" for i in range(1, 201)] + ["X;01.02.2025;5000000"]
    data = pipeline.load_unit(_unit(tmp_path, _rows(*lines)), root=tmp_path)
    assert data.transactions["amount"].sum() == sum(range(1, 201))
    assert data.rejected["rule"].tolist() == ["amount_out_of_range"]
    assert "above the plausible maximum 199,000.00" in data.rejected["reason"].iloc[0]


def test_total_row_that_does_not_match_stops_the_run(tmp_path):
    params = _unit(tmp_path, _rows("A;01.02.2025;10", "B;01.02.2025;20", "Итого;;50"))
    with pytest.raises(GateError, match=r"tx\.csv line 4: the export's total row says 50\.00 "
                       r"but its rows sum to 30\.00.*gate\.accept_total_mismatch"):
        pipeline.load_unit(params, root=tmp_path)
    accepted = params.model_copy(update={"gate": params.gate.model_copy(
        update={"accept_total_mismatch": True})})
    assert pipeline.load_unit(accepted, root=tmp_path).quality["rows_kept"] == 2


def test_total_row_that_matches_is_declared_not_rejected(tmp_path):
    params = _unit(tmp_path, _rows("A;01.02.2025;10", "B;01.02.2025;20", "Итого;;30"))
    data = pipeline.load_unit(params, root=tmp_path)
    assert data.quality["total_rows"] == [{"path": "tx.csv", "line": 4, "total": 30.0,
                                           "rows_sum": 30.0, "matches": True}]


def test_unmapped_currency_column_stops_the_run(tmp_path):
    body = "customer_id;order_date;amount;Валюта\nA;01.02.2025;10;RUB\nB;01.02.2025;10;USD\n"
    params = _unit(tmp_path, body)
    with pytest.raises(LoadError, match=r"'Валюта' looks like each row's currency but is not "
                       r"mapped.*'Валюта': currency"):
        pipeline.load_unit(params, root=tmp_path)


def test_mixed_currencies_converted_with_rates_from_params(tmp_path):
    body = "customer_id;order_date;amount;currency\nA;01.02.2025;10;RUB\nB;01.02.2025;2;USD\n"
    params = _unit(tmp_path, body, exchange_rates={"USD": 90.5})
    data = pipeline.load_unit(params, root=tmp_path)
    assert data.transactions["amount"].tolist() == [10.0, 181.0]
    assert data.quality["counts"]["converted:USD"] == 1


def test_mixed_currencies_without_rates_are_rejected_and_gated(tmp_path):
    body = "customer_id;order_date;amount;currency\nA;01.02.2025;10;RUB\nB;01.02.2025;2;USD\n"
    params = _unit(tmp_path, body)
    with pytest.raises(GateError, match=r"50\.0% of the rows read were rejected"):
        pipeline.load_unit(params, root=tmp_path)


# --- 4. duplicates you can see and choose ----------------------------------------------

def test_identical_rows_without_an_id_are_kept_and_reported(tmp_path):
    params = _unit(tmp_path, _rows("A;01.02.2025;10", "A;01.02.2025;10", "B;01.02.2025;5"))
    data = pipeline.load_unit(params, root=tmp_path)
    assert data.transactions["amount"].sum() == 25
    assert data.quality["counts"]["possible_duplicates"] == 1
    assert data.quality["counts"]["possible_duplicates_amount"] == 10
    assert any("possible duplicates, kept" in n for n in data.quality["notes"])


def test_identical_rows_without_an_id_dropped_when_params_say_so(tmp_path):
    params = _unit(tmp_path, _rows("A;01.02.2025;10", "A;01.02.2025;10", "B;01.02.2025;5"),
                   duplicates="drop")
    data = pipeline.load_unit(params, root=tmp_path, check=False)
    assert data.transactions["amount"].sum() == 15
    assert data.rejected["rule"].tolist() == ["duplicate_row"]


def test_exact_repeats_of_an_id_are_dropped_and_reported(tmp_path):
    body = ("customer_id;order_date;amount;order_id\nA;01.02.2025;10;N1\nA;01.02.2025;10;N1\n"
            + "".join(f"C{i};01.02.2025;1;M{i}\n" for i in range(30)))
    data = pipeline.load_unit(_unit(tmp_path, body), root=tmp_path)
    assert data.transactions["amount"].sum() == 40
    assert data.rejected[["source_line", "rule"]].values.tolist() == [[3, "duplicate_row"]]


# --- 5. clean keys -------------------------------------------------------------------------

def test_invisible_characters_removed_from_keys_and_names(tmp_path):
    body = ("customer_id;order_date;amount;customer_name\n"
            "\u202eABC;01.02.2025;10;Acme\u200b Ltd\n"
            "A\u200bBC;01.02.2025;5;Ac\u0007me Ltd\n")
    data = pipeline.load_unit(_unit(tmp_path, body), root=tmp_path)
    kept = data.transactions
    assert kept["customer_id"].tolist() == ["ABC", "ABC"]
    assert kept["customer_name"].tolist() == ["Acme Ltd", "Acme Ltd"]
    assert data.quality["counts"]["invisible:customer_id"] == 2
    assert data.quality["counts"]["invisible:customer_name"] == 2


# --- 6. the gate -----------------------------------------------------------------------

def test_all_rows_rejected_publishes_nothing(tmp_path):
    params = _unit(tmp_path, _rows("A;x;10", "B;y;20"))
    with pytest.raises(GateError, match=r"tx\.csv: no row was kept \(2 read"):
        pipeline.load_unit(params, root=tmp_path)


def test_rejected_share_above_threshold_stops_and_a_param_accepts_it(tmp_path):
    lines = [f"C{i};01.02.2025;10" for i in range(9)] + ["X;not a date;10"]
    params = _unit(tmp_path, _rows(*lines))
    with pytest.raises(GateError, match=r"10\.0% of the rows read were rejected.*"
                       r"gate\.max_rejected_share 5%"):
        pipeline.load_unit(params, root=tmp_path)
    raised = parse_params({"unit": "t", "source": {"paths": ["tx.csv"]},
                           "gate": {"max_rejected_share": 0.2}}, origin="test")
    data = pipeline.load_unit(raised, root=tmp_path)
    assert data.quality["rows_kept"] == 9


def test_gate_counts_totals_and_placeholders_as_lines_not_money():
    quality = {"rows_read": 101, "rows_kept": 99, "rows_rejected": 2, "amount_kept": 990.0,
               "reconciles": True, "rejected_by_reason": [
                   {"rule": "total_row", "label": "total", "rows": 1, "amount": 990.0},
                   {"rule": "placeholder_amount", "label": "placeholder", "rows": 1,
                    "amount": 999999999999.0}]}
    assert check_rows(quality, max_rejected_share=0.05, where="a.csv") == []


QUARTERS = _rows("A;15.01.2025;10", "B;15.05.2025;20", "C;15.08.2025;30")


def test_quarter_beyond_the_data_is_refused(tmp_path):
    params = _unit(tmp_path, QUARTERS)
    data = pipeline.load_unit(params, root=tmp_path)
    with pytest.raises(GateError, match=r"quarter 2026Q1 is outside the data \(the data runs "
                       r"from 2025-01-15 to 2025-08-15\)"):
        pipeline.resolve_quarter(data, "2026Q1", params=params)


def test_default_quarter_is_the_last_complete_one_and_says_so(tmp_path):
    params = _unit(tmp_path, QUARTERS)
    data = pipeline.load_unit(params, root=tmp_path)
    period = pipeline.resolve_quarter(data, None, params=params)
    assert str(period) == "2025Q2"
    assert "the last complete quarter in the data" in pipeline.quarter_coverage(
        data, period, params=params)
    partial = pipeline.resolve_quarter(data, "2025Q3", params=params)
    assert "Quarter 2025Q3 is partial" in pipeline.quarter_coverage(
        data, partial, params=params)


def test_quarter_inside_a_gap_of_the_data_is_refused(tmp_path):
    params = _unit(tmp_path, _rows("A;15.01.2023;10", "B;15.05.2025;20"))
    data = pipeline.load_unit(params, root=tmp_path)
    with pytest.raises(GateError, match="quarter 2024Q2 holds no kept row"):
        pipeline.resolve_quarter(data, "2024Q2", params=params)


def _project(root: Path, body: str, **source) -> None:
    (root / "params").mkdir()
    (root / "tx.csv").write_text(body, encoding="utf-8")
    params = {"unit": "t", "source": {"paths": ["tx.csv"], **source}}
    (root / "params" / "t.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")


def test_insights_check_prints_the_summary_and_verdict(tmp_path, capsys):
    _project(tmp_path, QUARTERS)
    assert cli.main(["--root", str(tmp_path), "check", "t"]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "rows read 3: kept 3, rejected 0, declared totals 0" in out
    assert "tx.csv: 4 lines = 1 header or blank + 3 holding rows\n" in out
    assert "dates 2025-01-15 to 2025-08-15: quarters 2025Q1 to 2025Q3 (3)" in out
    assert "currency RUB; customers 3" in out
    assert out.rstrip().endswith("verdict: publishable")


def test_insights_check_exits_non_zero_when_not_publishable(tmp_path, capsys):
    _project(tmp_path, US_DATES)
    assert cli.main(["--root", str(tmp_path), "check", "t"]) == cli.EXIT_REFUSED
    out = capsys.readouterr().out
    assert "verdict: NOT publishable" in out and "source.dayfirst: false" in out


def test_insights_report_refuses_with_one_message_and_publishes_nothing(tmp_path, capsys):
    _project(tmp_path, _rows("A;x;10", "B;y;20"))
    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "quarterly_report.py"
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "quarterly_report.py").write_text(notebook.read_text("utf-8"), "utf-8")
    assert cli.main(["--root", str(tmp_path), "report", "--unit", "t"]) == cli.EXIT_REFUSED
    err = capsys.readouterr().err
    assert "t: not published: tx.csv: no row was kept" in err
    assert not list((tmp_path / "reports").glob("t/*/report.html"))


# --- 7. whitespace-delimited and fixed-width text ------------------------------------------

def test_whitespace_delimited_file_without_header(tmp_path):
    body = " 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n\r\n" \
           " 00021 0002 19970101  1   63.34\r\n"
    params = _unit(tmp_path, body, name="cd.txt", delimiter="whitespace", date_format="%Y%m%d",
                   column_names=["customer_id", "seq", "order_date", "cds", "amount"])
    data = pipeline.load_unit(params, root=tmp_path)
    kept = data.transactions
    assert kept["customer_id"].tolist() == ["00004", "00004", "00021"]
    assert kept["amount"].tolist() == [29.33, 29.73, 63.34]
    assert kept["source_line"].tolist() == [1, 2, 4]
    assert data.quality["rows_read"] == 3


def test_whitespace_file_error_suggests_a_setting_params_accept(tmp_path):
    params = _unit(tmp_path, "a b c\n1 2 3\n", name="cd.txt")
    with pytest.raises(LoadError) as error:
        pipeline.load_unit(params, root=tmp_path)
    assert "source.delimiter" in str(error.value) and "whitespace" in str(error.value)
    SourceParams(paths=["a"], delimiter="whitespace")


def test_fixed_width_file(tmp_path):
    body = ("client    date        amount\n"
            "A1        01.02.2025   10,50\n"
            "B22       02.02.2025 1 234,00\n"
            "C3        03.02.2025    5,00  trailing text\n")
    params = _unit(tmp_path, body, name="fw.txt", format="fixed_width", widths=[10, 10, 10])
    params = params.model_copy(update={"column_map": {"client": "customer_id",
                                                      "date": "order_date"}})
    data = pipeline.load_unit(params, root=tmp_path, check=False)
    assert data.transactions["amount"].tolist() == [10.5, 1234.0]
    assert data.rejected[["source_line", "rule"]].values.tolist() == [[4, "too_many_fields"]]


def test_fixed_width_params_are_validated():
    with pytest.raises(ParamsError, match="widths: list each column's width"):
        parse_params({"unit": "t", "source": {"paths": ["a"], "format": "fixed_width"}}, origin="x")


@pytest.mark.skipif(not CDNOW.is_file(), reason="the shared CDNOW sample is not on this machine")
def test_cdnow_sample_reads_exactly(tmp_path):
    (tmp_path / "cdnow.txt").write_bytes(CDNOW.read_bytes())
    params = parse_params({"unit": "cdnow", "source": {
        "paths": ["cdnow.txt"], "delimiter": "whitespace", "date_format": "%Y%m%d",
        "currency": "USD", "column_names": ["customer_id", "seq", "order_date", "cds", "amount"]}},
        origin="test")
    data = pipeline.load_unit(params, root=tmp_path)
    kept = data.transactions
    # the published sample: 6919 purchase rows of 2357 customers, 1997-01-01 to 1998-06-30
    assert len(kept) == 6919 and kept["customer_id"].nunique() == 2357
    assert (kept["order_date"].min(), kept["order_date"].max()) == (
        pd.Timestamp("1997-01-01"), pd.Timestamp("1998-06-30"))
    expected = sum(float(line.split()[4]) for line in CDNOW.read_text().splitlines())
    assert kept["amount"].sum() == pytest.approx(expected, abs=1e-6)


# --- the appendix says what was declared, checked and decided ------------------------------

def test_appendix_names_coverage_totals_notes_and_an_accepted_rate(tmp_path):
    from insights.reporting.quality import describe_quality

    lines = [f"C{i};15.0{1 + i % 6}.2025;10" for i in range(9)] + ["X;not a date;10", "Итого;;100"]
    (tmp_path / "tx.csv").write_text(_rows(*lines), encoding="utf-8")
    params = parse_params({"unit": "t", "source": {"paths": ["tx.csv"]},
                           "gate": {"max_rejected_share": 0.2}}, origin="test")
    data = pipeline.load_unit(params, root=tmp_path)
    period = pipeline.resolve_quarter(data, None, params=params)
    html = str(describe_quality(data.quality, coverage=pipeline.quarter_coverage(
        data, period, params=params)))
    assert ("Q1 2025: the last complete quarter in the data (the data runs from "
            "15 January 2025 to 15 June 2025; Q2 2025 is not complete yet") in html
    assert "1 header line(s) and 0 blank line(s); 1 of the rejected rows are total rows" in html
    assert "The total row on line 12 of tx.csv matches the sum of its rows" in html
    assert "Of the rejected amount, 100 RUB is the export&#39;s own total row(s), not sales." in html
    assert "own total row" not in str(describe_quality(data.quality | {"total_rows": []}))
    assert "10.0% of the data read was rejected" in html and "gate.max_rejected_share" in html


def test_the_headline_says_when_params_accepted_a_high_rejection_rate(tmp_path):
    from insights.reporting.i18n import set_language
    from insights.reporting.quality import describe_acceptance

    lines = [f"C{i};15.0{1 + i % 6}.2025;10" for i in range(9)] + ["X;not a date;10"]
    (tmp_path / "tx.csv").write_text(_rows(*lines), encoding="utf-8")
    params = parse_params({"unit": "t", "source": {"paths": ["tx.csv"]},
                           "gate": {"max_rejected_share": 0.2}}, origin="test")
    quality = pipeline.load_unit(params, root=tmp_path).quality  # 1 of 10 rows, 10 of 100 money
    english = str(describe_acceptance(quality, max_rejected_share=0.2))
    assert "10.0% of the data read was rejected, above the usual 5%" in english
    assert "accept up to 20%" in english
    assert str(describe_acceptance(quality | {"gate_note": None}, max_rejected_share=0.2)) == ""
    set_language("ru")
    russian = str(describe_acceptance(quality, max_rejected_share=0.2))
    assert "Отклонено 10,0" in russian and "gate.max_rejected_share" in russian


@pytest.mark.parametrize("name, body, source", [
    ("a.csv", "a b c\n1 2 3\n", {}),  # one column: the delimiter
    ("a.csv", b"\xef\xbb\xbf" + _rows("A;01.02.2025;1").encode(), {"encoding": "cp1251"}),
    ("a.csv", _rows("A;01.02.2025;1").encode("utf-8") + b"\x98\n", {"encoding": "cp1251"}),
    ("a.csv", b"PAR1" + b"\x00" * 40, {}),  # Parquet bytes named .csv
    ("a.csv", _rows("A;13/25/2025;1", "B;12/25/2025;2"), {}),
])
def test_every_suggested_setting_is_accepted_by_params(tmp_path, name, body, source):
    params = _unit(tmp_path, body, name=name, **source)
    with pytest.raises((LoadError, GateError)) as error:
        pipeline.load_unit(params, root=tmp_path)
    assert "a.csv" in str(error.value)
    _accepted(str(error.value))


def test_every_physical_line_is_accounted_for(tmp_path):
    from insights.reporting.quality import describe_quality

    body = ("Выгрузка за 2025\n"                               # 1: above the header
            "customer_id;order_date;amount;customer_name\n"    # 2: header
            "A;01.02.2025;10;x\n"                              # 3
            "\n"                                               # 4: blank
            'B;01.02.2025;20;"two\nlines"\n'                   # 5-6: one row
            '"C;01.02.2025;30;y\n'                             # 7: stray quote, rejected
            "D;01.02.2025;40;z\n"                              # 8
            "Итого;;70;\n")                                    # 9: total of A, B and D
    data = pipeline.load_unit(_unit(tmp_path, body, header_line=2), root=tmp_path, check=False)
    (entry,) = data.quality["files"]
    assert (entry["lines"], entry["header_line"], entry["blank_lines"], entry["data_lines"]) == (9, 2, 1, 6)
    assert data.transactions["customer_id"].tolist() == ["A", "B", "D"]
    assert data.rejected[["source_line", "rule"]].values.tolist() == [
        [7, "unterminated_quote"], [9, "total_row"]]
    html = str(describe_quality(data.quality))
    assert "9 lines = 3 header or blank lines (with any lines above the header) + 6 lines" in html
    assert "The total row on line 9 of tx.csv matches the sum of its rows" in html
