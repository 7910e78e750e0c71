"""loading.iter_batches gives, batch by batch, exactly what load_transactions gives at once.

The expected values are not written by hand here: the reference is ``load_transactions``
on the same bytes (itself tested on hand-checked cases in test_loading.py and
test_hostile_inputs.py). Each case is read with tiny batches so that records, quoted
values spanning lines and rejects fall on batch boundaries.
"""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from insights.loading import LoadError, iter_batches, load_transactions
from insights.params import load_params, parse_params

from conftest import write_demo_exports

HEADER = "customer_id;order_date;amount;customer_name"


def text(*lines: str, eol: str = "\n", encoding: str = "utf-8") -> bytes:
    return (eol.join(lines) + eol).encode(encoding)


#: Hostile CSV files (borrowed from test_hostile_inputs.py), each read in batches.
CSV_CASES = {
    "ragged rows and repeated header": text(
        HEADER, "001;01.02.2025;5;a", "002;01.02.2025;6;b;extra", "003;01.02.2025", HEADER,
        "004;01.02.2025;7;c"),
    "unterminated quote": text(HEADER, '001;01.02.2025;5;"ООО Ромашка', "002;01.02.2025;6;x",
                               "003;01.02.2025;7;y", "004;01.02.2025;8;z"),
    "undoubled quote": text(HEADER, '001;01.02.2025;5;"ООО "Ромашка""', "002;01.02.2025;6;x"),
    "quoted value spanning lines": text(
        HEADER, '001;01.02.2025;5;"ООО ""Рога; и\r\nКопыта"""', "002;01.02.2025;6;x",
        '003;01.02.2025;7;"a\n\nb\nc"', "004;01.02.2025;8;y"),
    "blank lines, CRLF and a BOM": b"\xef\xbb\xbf" + text(
        "", HEADER, "", "001;01.02.2025;5;a", "   ", "", "002;02.02.2025;x;b", "", eol="\r\n"),
    "old Mac CR line ends": text(HEADER, "001;01.02.2025;5;a", "002;01.02.2025;6;b", eol="\r"),
    "cp1251": text("Код клиента;Дата;Сумма", "001;01.02.2025;5", "002;01.02.2025;6",
                   encoding="cp1251"),
    "comma, sniffed": text("customer_id,order_date,amount", '001,2025-02-01,"1,5"',
                           "002,2025-02-01,2"),
    "header on line 3": text("Выгрузка", "за квартал", HEADER, "001;01.02.2025;5;a"),
    "header only": text(HEADER),
}
RU_MAP = {"Код клиента": "customer_id", "Дата": "order_date", "Сумма": "amount"}


def _params(name: str, **source):
    column_map = RU_MAP if name == "cp1251" else {}
    header_line = {"header_line": 3} if name == "header on line 3" else {}
    return parse_params({"unit": "t", "source": {"paths": ["a.csv"], **header_line, **source},
                         "column_map": column_map}, origin="test")


def _combined(batches):
    frame = pd.concat([b.frame for b in batches], ignore_index=True)
    rejected = pd.concat([b.rejected for b in batches], ignore_index=True)
    return frame, rejected, [b.source for b in batches if b.source is not None]


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object).where(frame.notna(), None)


def _assert_same(params, root, batch_rows):
    whole = load_transactions(params, root=root)
    batches = list(iter_batches(params, root=root, batch_rows=batch_rows))
    frame, rejected, sources = _combined(batches)
    pd.testing.assert_frame_equal(frame, whole.frame)
    # a batch's reject frame infers object (None) where the whole file's infers str (NaN):
    # compare values, with every missing value as None
    pd.testing.assert_frame_equal(_plain(rejected), _plain(whole.rejected))
    assert sources == whole.sources
    assert all(len(b.frame) + len(b.rejected) <= batch_rows for b in batches)
    return whole, batches


@pytest.mark.parametrize("name", list(CSV_CASES))
@pytest.mark.parametrize("batch_rows", [1, 3, 7])
def test_hostile_csv_in_batches_equals_whole_file(tmp_path, name, batch_rows):
    (tmp_path / "a.csv").write_bytes(CSV_CASES[name])
    whole, batches = _assert_same(_params(name), tmp_path, batch_rows)
    assert batches[-1].source is not None and sum(b.source is not None for b in batches) == 1


def test_rejects_keep_their_physical_lines(tmp_path):
    (tmp_path / "a.csv").write_bytes(CSV_CASES["quoted value spanning lines"])
    frame, _, _ = _combined(list(iter_batches(_params("x"), root=tmp_path, batch_rows=1)))
    # paper: header line 1, record 1 spans lines 2-3, then 4, record 3 spans lines 5-8, then 9
    assert frame["source_line"].tolist() == [2, 4, 5, 9]


def test_undecodable_line_rejected_alike_in_batches(tmp_path):
    # declared UTF-8, one line (53, far past the sample) holds a latin-1 byte: only it is rejected
    (tmp_path / "a.csv").write_bytes(text(HEADER, "001;01.02.2025;5;a", *["002;01.02.2025;6;b"] * 50,
                                          "003;01.02.2025;7;\xff", encoding="latin-1"))
    for batch_rows in (1, 7):
        whole, _ = _assert_same(_params("x", encoding="utf-8"), tmp_path, batch_rows)
    assert whole.rejected[["source_line", "rule"]].values.tolist() == [[53, "undecodable"]]
    assert len(whole.frame) == 51


@pytest.mark.parametrize("data, declared", [
    (b"\xff\xfe" + "customer_id;order_date;amount\n".encode("utf-16-le"), "auto"),
    (text(HEADER, "001;01.02.2025;5;" + "ÐžÐžÐž Ð Ð¾Ð¼Ð°ÑˆÐºÐ°"), "auto"),
    (text(HEADER, "001;01.02.2025;5;Müller Straße café", encoding="latin-1"), "auto"),
    (b"\xef\xbb\xbf" + text(HEADER, "001;01.02.2025;5;a"), "cp1251"),
])
def test_encoding_refusals_raise_the_same_error(tmp_path, data, declared):
    (tmp_path / "a.csv").write_bytes(data)
    params = _params("x", encoding=declared)
    with pytest.raises(LoadError) as whole:
        load_transactions(params, root=tmp_path)
    with pytest.raises(LoadError) as streamed:
        list(iter_batches(params, root=tmp_path, batch_rows=2))
    assert str(streamed.value) == str(whole.value) and "a.csv" in str(whole.value)


def test_batch_size_does_not_grow_with_the_file(tmp_path):
    rows = [f"{i:03d};01.02.2025;{i};n" for i in range(1000)]
    (tmp_path / "a.csv").write_bytes(text(HEADER, *rows))
    batches = list(iter_batches(_params("x"), root=tmp_path, batch_rows=64))
    sizes = [len(b.frame) + len(b.rejected) for b in batches]
    assert max(sizes) == 64 and sum(sizes) == 1000 and len(batches) == 16  # 15 x 64 + 40


def test_demo_units_in_batches_equal_whole_files(tmp_path):
    write_demo_exports(tmp_path / "data" / "demo")
    for unit in ("corporate", "retail"):  # the smaller two (test_ingest streams all four)
        params = load_params(f"params/{unit}.yaml")
        _assert_same(params, tmp_path, 4999)


def _parquet(path, table: dict) -> None:
    pq.write_table(pa.table(table), path, row_group_size=4)


def test_parquet_in_batches_equals_whole_file(tmp_path):
    # float ids: the first batches hold only nulls, later ones whole numbers -> read as text
    ids = pa.array([None] * 5 + [1.0, 2.0, 7.0, None, 12.0], type=pa.float64())
    _parquet(tmp_path / "a.parquet", {
        "customer_id": ids,
        "order_date": pa.array(pd.date_range("2025-01-01", periods=10).to_pydatetime(),
                               type=pa.timestamp("ms")),
        "amount": pa.array([str(i) for i in range(10)]),
        "cost": pa.array(range(10), type=pa.int32()),
    })
    params = parse_params({"unit": "t", "source": {"paths": ["a.parquet"]}}, origin="test")
    whole, batches = _assert_same(params, tmp_path, 3)
    assert len(batches) == 4 and whole.frame["customer_id"].tolist()[5:8] == ["1", "2", "7"]
    assert whole.sources[0]["notes"] and batches[-1].source["notes"] == whole.sources[0]["notes"]


def test_excel_is_one_batch(tmp_path):
    book = openpyxl.Workbook()
    for row in (["customer_id", "order_date", "amount"], ["001", "01.02.2025", 5],
                ["002", "01.02.2025", 6, "extra"]):
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    (tmp_path / "a.xlsx").write_bytes(buffer.getvalue())
    params = parse_params({"unit": "t", "source": {"paths": ["a.xlsx"]}}, origin="test")
    _, batches = _assert_same(params, tmp_path, 10)
    assert len(batches) == 1


def test_several_files_and_unused_column_map_key(tmp_path):
    (tmp_path / "a.csv").write_bytes(text(HEADER, "001;01.02.2025;5;a"))
    (tmp_path / "b.csv").write_bytes(text("customer_id;order_date;amount", "002;01.02.2025;6"))
    params = parse_params({"unit": "t", "source": {"paths": ["a.csv", "b.csv"]}}, origin="test")
    _, batches = _assert_same(params, tmp_path, 1)
    assert [b.path for b in batches] == ["a.csv", "b.csv"]
    typo = parse_params({"unit": "t", "source": {"paths": ["a.csv"]},
                         "column_map": {"Cost": "cost"}}, origin="test")
    with pytest.raises(LoadError, match="'Cost' match no column"):
        list(iter_batches(typo, root=tmp_path))
