"""Render the demo transactions as a Russian CRM/1C export with planted dirty rows.

``export_demo_csv(unit)`` gives one unit's CSV bytes (UTF-8 with BOM, ``;``, CRLF, decimal
comma, U+00A0 thousands, ``dd.mm.yyyy``, Russian headers); ``write_demo_exports`` writes all
four atomically with a ``.complete`` marker. Same seed, byte-identical files.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from insights.demo.specs import _NBSP, _SPECS, DEFAULT_SEED, DEMO_UNITS, EXPORT_COLUMNS, FUTURE_DATE
from insights.demo.transactions import build_demo_transactions
from insights.publish.files import write_atomic


def _format_money(values: np.ndarray) -> list[str]:
    """Format numbers as ``-1 234 567,89`` (U+00A0 thousands, decimal comma)."""
    table = str.maketrans({",": _NBSP, ".": ","})
    return [f"{v:,.2f}".translate(table) for v in np.round(values, 2) + 0.0]


def _export_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Render canonical rows as the CRM export's text fields, with Russian headers."""
    text = frame.astype({"is_reference": bool})
    rendered = {
        "order_date": text["order_date"].dt.strftime("%d.%m.%Y"),
        "is_reference": np.where(text["is_reference"], "да", "нет"),
        **{c: _format_money(text[c].to_numpy()) for c in ("amount", "cost", "discount")},
    }
    out = {ru: rendered.get(c, text[c]) for ru, c in EXPORT_COLUMNS.items()}
    return pd.DataFrame({k: pd.Series(v, dtype="str").to_numpy() for k, v in out.items()})


def _with_dirty_rows(text: pd.DataFrame, prefix: str, rng: np.random.Generator) -> pd.DataFrame:
    """Insert the DIRTY_ROW_KINDS rows into the export text, the total row last."""
    n = len(text)
    positive = np.flatnonzero(~text["Сумма"].str.startswith("-"))
    missing, bad, dup, late = rng.choice(positive, size=4, replace=False)
    extra = text.iloc[[missing, bad, dup, late]].copy()
    fresh = [f"{prefix}-{d[-4:]}-9{i:05d}" for i, d in enumerate(extra["Дата"].iloc[:2], start=1)]
    extra["Номер заказа"] = fresh + [extra["Номер заказа"].iloc[2], f"{prefix}-2027-000001"]
    extra.iloc[0, extra.columns.get_loc("Код клиента")] = ""
    extra.iloc[1, extra.columns.get_loc("Сумма")] = "н/д"
    extra.iloc[3, extra.columns.get_loc("Дата")] = FUTURE_DATE
    rows = pd.concat([text, extra], ignore_index=True)
    rows = rows.iloc[np.argsort(np.r_[np.arange(n), missing + 0.5, bad + 0.5, dup + 0.25,
                                      n + 0.5], kind="stable")]  # fmt: skip
    kopecks = rows["Сумма"].str.replace(_NBSP, "").str.replace(",", "")
    total = pd.to_numeric(kopecks, errors="coerce").sum() / 100
    footer = pd.DataFrame([[""] * len(text.columns)], columns=text.columns, dtype="str")
    footer.iloc[0, 0], footer.loc[0, "Сумма"] = "Итого", _format_money(np.array([total]))[0]
    return pd.concat([rows, footer], ignore_index=True)


def export_demo_csv(unit: str, *, seed: int = DEFAULT_SEED) -> bytes:
    """Render one unit's demo export as CSV bytes (UTF-8 with BOM, ``;``, CRLF).

    Fields holding ``;``, ``"`` or a line break are quoted per RFC 4180.
    """
    frame = build_demo_transactions(unit, seed=seed)
    rng = np.random.default_rng(seed + _SPECS[unit].offset + 100)
    text = _with_dirty_rows(_export_text(frame), _SPECS[unit].prefix, rng)
    buffer = io.StringIO()
    text.to_csv(buffer, sep=";", index=False, lineterminator="\r\n")
    return buffer.getvalue().encode("utf-8-sig")


def write_demo_exports(out_dir: str | Path, *, seed: int = DEFAULT_SEED) -> dict[str, Path]:
    """Write every demo unit's export to ``out_dir/<unit>.csv`` and a ``.complete`` marker.

    Each file is written atomically (temporary file, then ``os.replace``); the marker
    is written last, so its presence means all four exports are complete.

    Parameters
    ----------
    out_dir : str or Path
        Target directory, created when missing.
    seed : int
        Base seed; the same seed gives byte-identical files.

    Returns
    -------
    dict of str to Path
        The written export per unit, in ``DEMO_UNITS`` order.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / ".complete").unlink(missing_ok=True)  # stale until every export is rewritten
    paths = {}
    for unit in DEMO_UNITS:
        paths[unit] = out / f"{unit}.csv"
        write_atomic(paths[unit], export_demo_csv(unit, seed=seed))
    marker = f"seed={seed}\nunits={','.join(DEMO_UNITS)}\n"
    write_atomic(out / ".complete", marker.encode("utf-8"))
    return paths
