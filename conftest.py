"""Fixtures for every test pytest collects here: ``tests/`` and the docstring examples in ``src/``.

It sits at the project root, not in ``tests/``, because a docstring example is collected from
``src/insights`` and ``tests/conftest.py`` does not reach it.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _restore_report_language():
    """Each test starts in the code's own language (English) and ends in the language it found.

    The report language is process state: a module fixture that published a (Russian, the
    default) report must not turn the next unit test's sentences Russian.
    """
    from insights.reporting.i18n import SOURCE_LANGUAGE, current_language, set_language

    before = current_language()
    set_language(SOURCE_LANGUAGE)
    yield
    set_language(before)
