"""The report's language: one module-level setting, gettext catalogues read with Babel.

Every string a reader sees is written in English in the code and marked ``_("...")`` (or
``ngettext("1 purchase", "{n} purchases", n)`` for counts); ``pybabel extract`` (``make
messages``) collects them into ``src/insights/locale/insights.pot`` and ``pybabel update``
merges them into each language's ``locale/<lang>/LC_MESSAGES/insights.po``.

The ``.po`` files are read at run time with ``babel.messages.pofile.read_po`` and turned into a
``babel.support.Translations`` in memory (``write_mo`` into a buffer): no compiled ``.mo``
binary lives in git, so a translation is one reviewable text diff and can never be stale
against its ``.po``. Plural forms follow the catalogue's own ``Plural-Forms`` rule (Russian
has three: 1 покупка, 2 покупки, 5 покупок).

The current language is plain module state (``set_language`` / ``current_language``), not a
context variable: the report notebook sets it in one cell and reads it in the next, and
Jupyter does not carry context variables from cell to cell reliably.
"""

from __future__ import annotations

import functools
import io
from importlib import resources

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

#: Languages a report can be written in (``report.language`` in params).
LANGUAGES = ("en", "ru")
#: gettext domain of the project's catalogues.
DOMAIN = "insights"
#: Language of the strings in the code, used when nothing was set.
SOURCE_LANGUAGE = "en"

_state = {"language": SOURCE_LANGUAGE}


def set_language(language: str) -> str:
    """Set the language of everything formatted or translated from now on; return it.

    >>> set_language("ru"), current_language(), set_language("en")
    ('ru', 'ru', 'en')
    """
    if language not in LANGUAGES:
        raise ValueError(f"unknown report language {language!r}; use one of {', '.join(LANGUAGES)}")
    _state["language"] = language
    return language


def current_language() -> str:
    """Return the language set by ``set_language`` (``en`` until one is set)."""
    return _state["language"]


def current_locale() -> Locale:
    """Return the Babel locale of the current language."""
    return _locale(current_language())


@functools.cache
def _locale(language: str) -> Locale:
    return Locale.parse(language)


@functools.cache
def translations(language: str) -> NullTranslations:
    """Return the catalogue of ``language`` read from its ``.po`` file (English: none)."""
    if language == SOURCE_LANGUAGE:
        return NullTranslations()
    po = resources.files("insights") / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def _(message: str) -> str:
    """Return ``message`` in the current language (itself when there is no translation).

    >>> set_language("ru"); _("Contents"); set_language("en")
    'ru'
    'Содержание'
    'en'
    """
    return translations(current_language()).gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it (translate later with ``_``)."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """Return the form of a counted message that fits ``n``, in the current language.

    The strings may hold ``{n}``; format it after the call:
    ``ngettext("{n} purchase", "{n} purchases", n).format(n=fmt_int(n))``.

    >>> set_language("ru"); [ngettext("{n} purchase", "{n} purchases", n).format(n=n) for n in (1, 2, 5)]
    'ru'
    ['1 покупка', '2 покупки', '5 покупок']
    >>> set_language("en")
    'en'
    """
    return translations(current_language()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """Return ``message`` translated within ``context`` (one English word, two meanings)."""
    return str(translations(current_language()).pgettext(context, message))
