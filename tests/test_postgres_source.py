"""A unit whose transactions live in a PostgreSQL table publishes the same report as its CSV twin.

The corporate demo export is copied, as text columns with the export's own (Russian)
headers, into ``crm.corporate`` on the throw-away server of the ``postgres`` fixture
(tests/conftest.py); ``params/corporate_pg.yaml`` is corporate's params with ``source``
pointing at that table. The connection string reaches the loader only through the
environment variable named by ``source.dsn_env``. Needs psycopg (the ``postgres`` extra).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("psycopg", reason="psycopg is not installed (pip install -e '.[postgres]')")

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from insights import demo, pipeline  # noqa: E402
from insights.loading import LoadError, load_transactions  # noqa: E402
from insights.params import ParamsError, load_params, parse_params  # noqa: E402
from insights.publish.report import publish_report  # noqa: E402

from conftest import copy_project

ROOT = Path(__file__).resolve().parents[1]
TABLE = "crm.corporate"
SECRET = "s3cret-pw"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A temporary project with the demo exports and params/corporate_pg.yaml."""
    root = copy_project(tmp_path_factory.mktemp("project"))
    text = (root / "params" / "corporate.yaml").read_text(encoding="utf-8")
    twin = text.replace("unit: corporate\n", "unit: corporate_pg\n")
    twin = twin.replace("  paths: [data/demo/corporate.csv]", f"  table: {TABLE}")
    twin = twin.replace("  format: csv ", "  format: postgres ")
    assert twin.count("postgres") == 1 and TABLE in twin and "paths" not in twin
    (root / "params" / "corporate_pg.yaml").write_text(twin, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def dsn(postgres) -> str:
    """The DSN of the server holding ``crm.corporate``: the corporate export as TEXT columns."""
    data = demo.export_demo_csv("corporate").decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(data, newline=""), delimiter=";"))
    columns = sql.SQL(", ").join(sql.SQL("{} TEXT").format(sql.Identifier(h)) for h in header)
    with psycopg.connect(postgres, autocommit=True) as con, con.cursor() as cur:
        cur.execute("CREATE SCHEMA crm")
        cur.execute(sql.SQL("CREATE TABLE crm.corporate ({})").format(columns))
        with cur.copy("COPY crm.corporate FROM STDIN WITH (FORMAT csv, HEADER true, DELIMITER ';')") as copy:
            copy.write(data.encode("utf-8"))
    return postgres


@pytest.fixture
def with_dsn(dsn, monkeypatch) -> str:
    monkeypatch.setenv("INSIGHTS_PG_DSN", dsn)
    return dsn


def _without_lineage(frame: pd.DataFrame) -> pd.DataFrame:
    body = frame.drop(columns=["source_file", "source_line"])
    return body.sort_values(list(body.columns)).reset_index(drop=True)


def test_table_loads_the_same_text_values_as_the_csv(project, with_dsn):
    from_csv = load_transactions(load_params(project / "params" / "corporate.yaml"), root=project)
    from_pg = load_transactions(load_params(project / "params" / "corporate_pg.yaml"), root=project)
    pd.testing.assert_frame_equal(_without_lineage(from_pg.frame), _without_lineage(from_csv.frame))
    n = len(from_csv.frame)  # every data row of the export: the demo has no structural rejects
    assert list(from_pg.frame["source_line"]) == list(range(1, n + 1))
    assert set(from_pg.frame["source_file"]) == {f"postgres:{TABLE}"}
    (source,) = from_pg.sources
    assert source["table"] == TABLE and source["rows_read"] == n and len(source["sha256"]) == 64
    assert source["column_map"] == from_csv.sources[0]["column_map"]
    assert with_dsn not in json.dumps(source, default=str) and "port=" not in json.dumps(source)


def test_rows_lineage_and_fingerprint_are_the_same_on_every_read(project, with_dsn):
    params = load_params(project / "params" / "corporate_pg.yaml")
    first, second = (load_transactions(params, root=project) for _ in range(2))
    pd.testing.assert_frame_equal(first.frame, second.frame)
    assert first.sources[0]["sha256"] == second.sources[0]["sha256"]


def test_fingerprint_changes_when_the_data_changes(project, with_dsn):
    params = load_params(project / "params" / "corporate_pg.yaml")
    before = load_transactions(params, root=project).sources[0]["sha256"]
    with psycopg.connect(with_dsn, autocommit=True) as con, con.cursor() as cur:
        cur.execute('CREATE TABLE crm.changed AS SELECT * FROM crm.corporate')
        cur.execute('UPDATE crm.changed SET "Сумма" = "Сумма" || \'0\' WHERE "Номер заказа" = '
                    '(SELECT min("Номер заказа") FROM crm.changed)')
    changed = params.model_copy(update={"source": params.source.model_copy(update={"table": "crm.changed"})})
    assert load_transactions(changed, root=project).sources[0]["sha256"] != before


def test_missing_environment_variable_names_the_params_key(project, monkeypatch):
    monkeypatch.delenv("INSIGHTS_PG_DSN", raising=False)
    with pytest.raises(LoadError, match=r"INSIGHTS_PG_DSN \(source.dsn_env\) is not set"):
        load_transactions(load_params(project / "params" / "corporate_pg.yaml"), root=project)


def test_unreachable_server_is_a_clear_error_without_the_password(project, dsn, monkeypatch):
    # the fixture's server is on another port; nothing listens on port 1 of loopback
    monkeypatch.setenv("INSIGHTS_PG_DSN", f"host=127.0.0.1 port=1 dbname=x user=u password={SECRET}")
    with pytest.raises(LoadError, match="cannot connect to PostgreSQL") as caught:
        load_transactions(load_params(project / "params" / "corporate_pg.yaml"), root=project)
    assert "source.dsn_env" in str(caught.value) and SECRET not in str(caught.value)


def test_invalid_connection_string_is_not_echoed(project, monkeypatch):
    monkeypatch.setenv("INSIGHTS_PG_DSN", f"host=127.0.0.1 password {SECRET}")
    with pytest.raises(LoadError, match="not hold a valid libpq connection string") as caught:
        load_transactions(load_params(project / "params" / "corporate_pg.yaml"), root=project)
    assert SECRET not in str(caught.value)


def test_missing_table_names_source_table(project, with_dsn):
    params = load_params(project / "params" / "corporate_pg.yaml")
    absent = params.model_copy(update={"source": params.source.model_copy(update={"table": "crm.absent"})})
    with pytest.raises(LoadError, match=r"table crm.absent not found.*source.table"):
        load_transactions(absent, root=project)


@pytest.mark.parametrize(("source", "message"), [
    ({"format": "postgres"}, "table"),
    ({"format": "postgres", "table": "sales.tx; DROP TABLE x"}, "not a table name"),
    ({"format": "postgres", "table": "a.b.c"}, "not a table name"),
    ({"format": "postgres", "table": 'sales."tx"'}, "not a table name"),
    ({"format": "postgres", "table": "sales.tx", "paths": ["a.csv"]}, "must be empty"),
    ({"format": "postgres", "table": "sales.tx", "dsn_env": "host=db user=u"}, "NAME of an environment"),
    ({"format": "csv"}, "required unless format is postgres"),
    ({"paths": ["a.csv"], "table": "sales.tx"}, "only read when format is postgres"),
])
def test_params_refuse_a_source_that_is_not_files_or_one_safe_table(source, message):
    with pytest.raises(ParamsError, match=message):
        parse_params({"unit": "alpha", "source": source}, origin="alpha.yaml")


def test_params_accept_a_schema_qualified_table_and_no_paths():
    params = parse_params({"unit": "alpha", "source": {"format": "postgres", "table": "sales.tx_2026"}},
                          origin="alpha.yaml")
    assert params.source.paths == [] and params.source.dsn_env == "INSIGHTS_PG_DSN"


def _comparable(metadata: dict) -> dict:
    """Drop what may differ between twins: unit, source descriptions, run time, code version."""
    meta = json.loads(json.dumps(metadata))
    for key in ("unit", "inputs", "run", "git_commit"):
        meta.pop(key, None)
    meta["params"].pop("unit"), meta["params"].pop("source")
    meta["data_quality"].pop("files")
    for total in meta["data_quality"].get("total_rows", []):  # where it sits: file line vs table row
        total.pop("path"), total.pop("line")
    return meta


@pytest.mark.slow
def test_postgres_unit_publishes_the_same_report_as_its_csv_twin(project, with_dsn, demo_reports):
    # the CSV twin: corporate as conftest's demo_reports published it, from the same params
    assert load_params(demo_reports / "params" / "corporate.yaml") == load_params(project / "params" / "corporate.yaml")
    from_csv = json.loads((demo_reports / "reports/corporate/2026Q3/metadata.json").read_text(encoding="utf-8"))
    from_pg = publish_report("corporate_pg", quarter="2026Q3", root=project,
                             prepare=pipeline.report_to_hand_over)  # as insights report does
    assert from_pg.metadata["data_quality"]["files"][0]["path"] == f"postgres:{TABLE}"
    same = _comparable(from_csv)
    assert same["headline"] and same["verdicts"] and same["sections"]  # something real compared
    assert _comparable(from_pg.metadata) == same
    assert from_pg.metadata["data_quality"]["reconciles"] is True
    port = with_dsn.split("port=")[1].split()[0]
    for path in from_pg.report_html.parent.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert with_dsn.encode() not in content and f"port={port}".encode() not in content, path
