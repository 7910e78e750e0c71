"""Make untrusted data safe to show: display text, pseudonyms, spreadsheet cells.

Customer names and notes come from exports we do not control. Before any of them reaches
an executive's browser, a spreadsheet or a plot, they pass through here. The only I/O is
reading (on first use, creating) the pseudonym key, never at import.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import re
import secrets
import tempfile
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

#: Bidirectional overrides/isolates and marks (Trojan Source, CVE-2021-42574) and
#: zero-width characters that hide or reorder text.
_INVISIBLE = re.compile(
    "[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u061c\u180e\u00ad]"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Runs of white space folded into one space; the no-break spaces of a formatted number
#: ("1 234 567", "2026 г.") are kept so the number never breaks across lines.
_SPACES = re.compile(r"[^\S\u00a0\u202f]+")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def clean_display_text(value: object, *, max_length: int = 60) -> str:
    """Return ``value`` as one line of plain text fit for display (not yet HTML-escaped).

    Removes bidi-override, zero-width and control characters, folds line breaks and runs
    of white space (but not no-break spaces) into one space, and shortens text longer than ``max_length`` with an
    ellipsis.

    >>> clean_display_text("ACME\\u202e gnp.exe", max_length=40)
    'ACME gnp.exe'
    >>> clean_display_text("x" * 10, max_length=5)
    'xxxx…'
    """
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    text = _SPACES.sub(" ", text).strip(" ")
    if len(text) > max_length:
        text = text[: max_length - 1].rstrip() + "…"
    return text


#: Environment variable holding the pseudonym key (any text of 16+ characters).
PSEUDONYM_KEY_ENV = "INSIGHTS_PSEUDONYM_KEY"
#: Environment variable naming the key file instead of the default location.
PSEUDONYM_KEY_FILE_ENV = "INSIGHTS_PSEUDONYM_KEY_FILE"
#: Default key file, relative to the project root (git-ignored, created on first use, 0600).
PSEUDONYM_KEY_FILE = Path(".insights") / "pseudonym.key"
#: Hex digits of the HMAC kept in a pseudonym: 64 bits, so ten million customers collide
#: with a chance of about three in a million and nothing can be guessed without the key.
PSEUDONYM_HEX_DIGITS = 16


class PseudonymKeyError(ValueError):
    """Raised when the pseudonym key is unusable (too short, unreadable, a symlink)."""


def pseudonym(customer_id: object, *, salt: str, key: bytes | None = None) -> str:
    """Return a stable pseudonym for a customer: ``C-`` and 16 hex digits of a keyed HMAC.

    HMAC-SHA-256 under a secret key (``pseudonym_key()`` unless ``key`` is given) of the
    salt (the unit) and the id: the same key, salt and id always give the same pseudonym,
    so a customer can be followed across quarters without being named; without the key,
    knowing the data and the unit does not reveal who is who, and another key gives other
    pseudonyms.

    >>> pseudonym("000417", salt="fleet", key=b"k" * 32) == pseudonym("000417", salt="fleet", key=b"k" * 32)
    True
    >>> pseudonym("000417", salt="fleet", key=b"k" * 32) != pseudonym("000417", salt="fleet", key=b"j" * 32)
    True
    >>> len(pseudonym("000417", salt="fleet", key=b"k" * 32))
    18
    """
    secret = pseudonym_key() if key is None else key
    message = f"{salt}\x1f{customer_id}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).hexdigest()
    return f"C-{digest[:PSEUDONYM_HEX_DIGITS].upper()}"


def pseudonyms(customer_ids: Iterable[object], *, salt: str, key: bytes | None = None) -> list[str]:
    """Return ``pseudonym`` of each id, in order, finding the key and keying the HMAC once.

    Each id's HMAC starts from a copy of one HMAC already keyed (``hmac.HMAC.copy``), which
    saves the two key-pad blocks ``hmac.new`` hashes per id: about half the cost per
    customer on a unit of ten million.

    >>> key = b"k" * 32
    >>> pseudonyms(["000417", "9"], salt="fleet", key=key) == [
    ...     pseudonym("000417", salt="fleet", key=key), pseudonym("9", salt="fleet", key=key)]
    True
    """
    ids = list(customer_ids)
    if not ids:  # no customer: no key is looked for
        return []
    keyed = hmac.new(pseudonym_key() if key is None else key, digestmod=hashlib.sha256)
    out = []
    for customer_id in ids:
        one = keyed.copy()
        one.update(f"{salt}\x1f{customer_id}".encode())
        out.append(f"C-{one.hexdigest()[:PSEUDONYM_HEX_DIGITS].upper()}")
    return out


def pseudonym_key(*, root: Path | None = None) -> bytes:
    """Return the secret pseudonym key: the environment variable, else the key file.

    ``INSIGHTS_PSEUDONYM_KEY`` (16+ characters) wins; otherwise the file named by
    ``INSIGHTS_PSEUDONYM_KEY_FILE``, else ``<project root>/.insights/pseudonym.key`` (the
    project root is the nearest folder upward from ``root`` or the working directory that
    holds ``pyproject.toml`` and ``params/``). A missing file is created with 32 random
    bytes (hex), mode 0600; keep it out of git and back it up: another key gives other
    pseudonyms.
    """
    text = os.environ.get(PSEUDONYM_KEY_ENV, "")
    if text:
        if len(text) < 16:
            raise PseudonymKeyError(f"{PSEUDONYM_KEY_ENV} must hold at least 16 characters.")
        return text.encode("utf-8")
    named = os.environ.get(PSEUDONYM_KEY_FILE_ENV, "")
    path = Path(named) if named else _project_root(root or Path.cwd()) / PSEUDONYM_KEY_FILE
    return _read_key_file(str(path.absolute()))


def _project_root(start: Path) -> Path:
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "params").is_dir():
            return folder
    return here


@functools.lru_cache(maxsize=8)
def _read_key_file(path_text: str) -> bytes:
    """Read (creating it first when missing) the key file; cached per path."""
    path = Path(path_text)
    if not path.exists() and not path.is_symlink():
        _create_key_file(path)
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise PseudonymKeyError(f"{path}: cannot read the pseudonym key ({exc.strerror}); it must be "
                        "a plain file, not a symlink.") from None
    with os.fdopen(handle, "rb") as stream:
        key = stream.read().strip()
    if len(key) < 16:
        raise PseudonymKeyError(f"{path}: the pseudonym key must hold at least 16 characters.")
    return key


def _create_key_file(path: Path) -> None:
    """Write a new random key to ``path`` (mode 0600) unless another process did first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".key.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="ascii") as stream:
            stream.write(secrets.token_hex(32) + "\n")
        os.chmod(temp, 0o600)
        with contextlib.suppress(FileExistsError):  # the first writer wins, atomically
            os.link(temp, path)
    finally:
        os.unlink(temp)


def neutralize_formula(value: object) -> object:
    """Return a spreadsheet-safe cell: text starting like a formula gets a leading quote.

    Follows OWASP's CSV-injection advice: a cell that starts with ``=``, ``+``, ``-``,
    ``@``, tab or carriage return (or their full-width forms) is prefixed with ``'`` so a
    spreadsheet shows it as text and never evaluates it. Numbers are left alone.

    >>> neutralize_formula("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralize_formula(-5.0)
    -5.0
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def neutralize_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` with every text cell and column name formula-safe.

    >>> neutralize_frame(pd.DataFrame({"name": ["=1+1", "ok"]}))["name"].tolist()
    ["'=1+1", 'ok']
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype == object:
            out[column] = values.map(neutralize_formula, na_action="ignore")
        elif pd.api.types.is_string_dtype(values):  # text dtypes: one vectorised pass
            formula = values.str.startswith(_FORMULA_START).fillna(False).astype(bool)
            out[column] = values.mask(formula, "'" + values) if formula.any() else values
    out.columns = [neutralize_formula(str(c)) for c in out.columns]
    return out
