"""`insights init` sets a new unit up from an export it has never seen; `insights withdraw`.

The foreign export is built here: Russian headers unlike the demo's, ';' separator, decimal
comma with space thousands, day-first dates and cp1251 text. Its answers are known by
construction (the columns, the encoding, how many dates only day-first reads).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from insights import cli
from insights.params import load_params
from insights.publish.report import build_index
from insights.publish.withdraw import WithdrawError, withdraw_report

from conftest import write_demo_exports

ROOT = Path(__file__).resolve().parents[1]
HEADER = "ИНН;Контрагент;Дата документа;Номер документа;Сумма без НДС;Примечание"


def write_foreign_export(path: Path, *, customers: int = 160, seed: int = 7) -> dict:
    """Write the foreign export; return what it holds (rows, dates only day-first reads)."""
    rng = np.random.default_rng(seed)
    lines, day_first_only, start = [HEADER], 0, dt.date(2024, 1, 1)
    for c in range(customers):
        first = int(rng.integers(0, 900))
        days = sorted(first + rng.integers(0, 1000 - first, size=1 + rng.poisson(4 if c % 3 else 0.3)))
        for d in days:
            date = start + dt.timedelta(days=int(d))
            day_first_only += date.day > 12
            amount = f"{rng.gamma(2.0, 15000.0):,.2f}".replace(",", " ").replace(".", ",")
            lines.append(f"77{c:08d};ООО Ромашка {c};{date:%d.%m.%Y};Д-{len(lines):05d};{amount};")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    return {"rows": len(lines) - 1, "day_first_only": day_first_only}


def empty_project(root: Path) -> Path:
    """Make ``root`` a project with the report notebook and no units."""
    shutil.copytree(ROOT / "notebooks", root / "notebooks", ignore=shutil.ignore_patterns("*.ipynb"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    (root / "params").mkdir()
    return root


@pytest.fixture
def project(tmp_path) -> Path:
    return empty_project(tmp_path / "project")


def test_init_writes_valid_params_with_every_guess_right(project, capsys):
    facts = write_foreign_export(project / "data" / "shop.csv")
    assert cli.main(["--root", str(project), "init", "shop", "--from", str(project / "data/shop.csv")]) == 0
    params = load_params(project / "params" / "shop.yaml")
    source = params.source
    assert source.paths == ["data/shop.csv"]
    assert (source.encoding, source.delimiter, source.decimal) == ("cp1251", ";", ",")
    assert (source.dayfirst, source.date_format, source.currency) == (True, "%d.%m.%Y", "RUB")
    assert source.grain == "order"  # each document number is on one row
    assert params.column_map == {"ИНН": "customer_id", "Дата документа": "order_date",
                                 "Сумма без НДС": "amount", "Номер документа": "order_id",
                                 "Контрагент": "customer_name"}
    assert not params.report.show_customer_names
    text = (project / "params" / "shop.yaml").read_text(encoding="utf-8")
    # the evidence is stated: the counts that decided the date order, the unmapped column
    assert f"{facts['day_first_only']:,} have a first field above 12" in text
    assert f"{facts['rows']:,} amounts read only with a decimal comma, 0 only with a point" in text
    assert '"Примечание": not mapped' in text
    assert f"{facts['rows']:,} rows" in capsys.readouterr().out


def test_init_reads_a_month_first_export_with_decimal_points(project):
    rows = ["customer,date,revenue,currency", "a1,12/31/2025,10.50,usd", "a2,01/15/2026,7.25,USD",
            "a1,02/03/2026,3.00,USD"]
    (project / "us.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert cli.main(["--root", str(project), "init", "us", "--from", str(project / "us.csv")]) == 0
    source = load_params(project / "params" / "us.yaml").source
    assert (source.encoding, source.delimiter, source.decimal) == ("utf-8", ",", ".")
    assert (source.dayfirst, source.date_format, source.currency) == (False, "%m/%d/%Y", "USD")


def test_init_refuses_to_overwrite_and_bad_names(project, capsys):
    write_foreign_export(project / "data" / "shop.csv", customers=5)
    args = ["--root", str(project), "init", "shop", "--from", str(project / "data/shop.csv")]
    (project / "params" / "shop.yaml").write_text("kept", encoding="utf-8")
    assert cli.main(args) == cli.EXIT_INVALID
    assert (project / "params" / "shop.yaml").read_text(encoding="utf-8") == "kept"
    assert cli.main([*args, "--force"]) == 0
    assert load_params(project / "params" / "shop.yaml").unit == "shop"
    for bad in ("../x", "Shop", "x;id"):
        assert cli.main(["--root", str(project), "init", bad, "--from", str(project / "data/shop.csv")]) == 2
    assert sorted(p.name for p in (project / "params").iterdir()) == ["shop.yaml"]


def test_init_says_when_a_required_column_is_missing(project, capsys):
    (project / "x.csv").write_text("who;note\na;b\n", encoding="utf-8")
    assert cli.main(["--root", str(project), "init", "x", "--from", str(project / "x.csv")]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert "customer_id" in err and "order_date" in err and "amount" in err
    assert "NOT FOUND" in (project / "params" / "x.yaml").read_text(encoding="utf-8")


def _fake_report(root: Path, unit: str, quarter: str, *, language: str = "en") -> Path:
    folder = root / "reports" / unit / quarter
    folder.mkdir(parents=True)
    (folder / "metadata.json").write_text(json.dumps({"unit": unit, "quarter": quarter, "status": "published",
                                                      "language": language}), encoding="utf-8")
    (folder / "report.html").write_text("<html></html>", encoding="utf-8")
    return folder


def test_withdraw_archives_records_and_leaves_the_index(tmp_path):
    _fake_report(tmp_path, "shop", "2026Q2")
    _fake_report(tmp_path, "shop", "2026Q3")
    build_index(root=tmp_path)
    assert "2026Q2/report.html" in (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert cli.main(["--root", str(tmp_path), "withdraw", "shop", "2026Q2", "--reason", "wrong export"]) == 0
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert "2026Q2/report.html" not in index and "2026Q3/report.html" in index
    archive = tmp_path / "reports" / "shop" / "withdrawn" / "2026Q2-1"
    assert (archive / "report.html").read_text(encoding="utf-8") == "<html></html>"
    log = [json.loads(x) for x in (tmp_path / "reports/shop/runs.jsonl").read_text().splitlines()]
    assert log[-1]["status"] == "withdrawn" and log[-1]["reason"] == "wrong export"
    _fake_report(tmp_path, "shop", "2026Q2")  # republished, withdrawn again: a second archive
    assert withdraw_report("shop", "2026Q2", root=tmp_path, reason="again").archive.name == "2026Q2-2"


@pytest.mark.parametrize(("unit", "quarter", "reason"), [
    ("../shop", "2026Q3", "x"), ("shop", "2026Q9", "x"), ("shop", "2026Q3", "  "),
    ("shop", "2026Q1", "x"),  # nothing published for that quarter
])
def test_withdraw_refuses_bad_input_and_moves_nothing(tmp_path, unit, quarter, reason):
    _fake_report(tmp_path, "shop", "2026Q3")
    with pytest.raises(WithdrawError):
        withdraw_report(unit, quarter, root=tmp_path, reason=reason)
    assert (tmp_path / "reports" / "shop" / "2026Q3" / "report.html").is_file()


def test_withdraw_refuses_a_symlinked_archive(tmp_path):
    _fake_report(tmp_path, "shop", "2026Q3")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "reports" / "shop" / "withdrawn").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(WithdrawError, match="symbolic link"):
        withdraw_report("shop", "2026Q3", root=tmp_path, reason="x")
    assert not any((tmp_path / "elsewhere").iterdir())


def test_withdraw_waits_for_a_running_report_of_the_unit(tmp_path, monkeypatch):
    """A report being published holds the unit's lock: the withdrawal refuses, moving nothing."""
    from insights.publish import withdraw
    from insights.publish.files import hold_lock

    folder = _fake_report(tmp_path, "shop", "2026Q3")
    monkeypatch.setattr(withdraw, "LOCK_WAIT_SECONDS", 0)
    with hold_lock(tmp_path / "reports" / "shop" / ".lock"), pytest.raises(WithdrawError, match="in progress"):
        withdraw_report("shop", "2026Q3", root=tmp_path, reason="x")
    assert (folder / "report.html").is_file()
    assert not (tmp_path / "reports" / "shop" / "withdrawn").exists()


@pytest.mark.slow
def test_a_foreign_export_set_up_with_init_publishes_and_can_be_withdrawn(project):
    facts = write_foreign_export(project / "data" / "shop.csv")
    assert cli.main(["--root", str(project), "init", "shop", "--from", str(project / "data/shop.csv")]) == 0
    params_file = project / "params" / "shop.yaml"
    raw = yaml.safe_load(params_file.read_text(encoding="utf-8"))
    assert raw["source"]["paths"] == ["data/shop.csv"]
    assert cli.main(["--root", str(project), "report", "--unit", "shop"]) == 0
    published = project / "reports" / "shop" / "2026Q2"  # no export date: Q3 is not complete
    meta = json.loads((published / "metadata.json").read_text(encoding="utf-8"))
    quality = meta["data_quality"]
    assert quality["rows_read"] == facts["rows"] == quality["rows_kept"] + quality["rows_rejected"]
    assert quality["rows_rejected"] == 0 and quality["reconciles"]
    assert cli.main(["--root", str(project), "withdraw", "shop", "2026Q2", "--reason", "test"]) == 0
    assert "shop/2026Q2" not in (project / "reports" / "index.html").read_text(encoding="utf-8")
    archived = project / "reports" / "shop" / "withdrawn" / "2026Q2-1"
    assert {"report.html", "metadata.json", "quarantine.csv"} <= {p.name for p in archived.iterdir()}


@pytest.mark.parametrize("unit", ["../x", "x;id", "$(shell touch {canary})", "`touch {canary}`"])
def test_make_unit_refuses_hostile_names_and_writes_nothing(unit, tmp_path):
    import os
    import subprocess

    canary = tmp_path / "canary"
    before = sorted(p.name for p in (ROOT / "params").iterdir())
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    result = subprocess.run(
        ["make", "--no-print-directory", "unit", f"UNIT={unit.format(canary=canary)}",
         f"FROM={tmp_path / 'missing.csv'}"],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=300,
    )
    assert result.returncode != 0 and "not a valid unit name" in result.stderr
    assert not canary.exists()
    assert sorted(p.name for p in (ROOT / "params").iterdir()) == before


def test_a_withdrawal_does_not_hide_a_failed_run_from_the_index(tmp_path):
    _fake_report(tmp_path, "shop", "2026Q2")
    failed = {"at": "2026-10-02T00:00:00+00:00", "quarter": "2026Q3", "status": "failed",
              "error": "PublishError: the notebook failed"}
    (tmp_path / "reports" / "shop" / "runs.jsonl").write_text(json.dumps(failed) + "\n", encoding="utf-8")
    withdraw_report("shop", "2026Q2", root=tmp_path, reason="wrong export")
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    # no published report is left, so the index is in the default language (Russian)
    assert "последний запуск завершился ошибкой" in index and "2026Q2/report.html" not in index


@pytest.mark.parametrize("suffix", ["parquet", "xlsx"])
def test_init_sets_up_typed_exports_that_load_without_rejects(project, suffix):
    import pandas as pd

    from insights import pipeline

    frame = pd.DataFrame({"Клиент": ["a", "b", "a"], "Дата": pd.to_datetime(["2026-01-05", "2026-02-13", "2026-03-01"]),
                          "Выручка": [10.5, 20.25, -3.0]})
    path = project / "data" / f"typed.{suffix}"
    path.parent.mkdir()
    frame.to_parquet(path, index=False) if suffix == "parquet" else frame.to_excel(path, index=False)
    assert cli.main(["--root", str(project), "init", "typed", "--from", str(path)]) == 0
    params = load_params(project / "params" / "typed.yaml")
    assert params.column_map == {"Клиент": "customer_id", "Дата": "order_date", "Выручка": "amount"}
    assert "stores the dates as dates" in (project / "params" / "typed.yaml").read_text(encoding="utf-8")
    data = pipeline.load_unit(params, root=project)
    assert data.quality["rows_kept"] == 3 and data.quality["rows_rejected"] == 0
    assert data.transactions["amount"].tolist() == [10.5, 20.25, -3.0]


def test_init_on_the_demo_export_finds_what_the_hand_written_params_say(project):
    write_demo_exports(project / "data" / "demo")
    path = project / "data" / "demo" / "fleet.csv"
    assert cli.main(["--root", str(project), "init", "fleet2", "--from", str(path)]) == 0
    guessed = load_params(project / "params" / "fleet2.yaml")
    by_hand = load_params(ROOT / "params" / "fleet.yaml")
    assert guessed.column_map == by_hand.column_map
    for key in ("paths", "encoding", "delimiter", "decimal", "date_format", "dayfirst", "currency"):
        assert getattr(guessed.source, key) == getattr(by_hand.source, key), key
