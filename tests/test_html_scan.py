"""The HTML scanner itself must catch what it promises to catch (and not escaped text)."""

import pytest

from html_scan import find_live_script_vectors


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" JaVaScRiPt:alert(1)">x</a>',
        '<meta http-equiv="refresh" content="0;url=http://x">',
        '<iframe src="x"></iframe>',
        '<img src="https://cdn.example/x.png">',
        '<svg onload="alert(1)"></svg>',
        '<div style="background:url(http://x)"></div>',
    ],
)
def test_scanner_flags_live_vectors(snippet):
    assert find_live_script_vectors(f"<html><body>{snippet}</body></html>")


def test_scanner_ignores_escaped_text_and_embedded_images():
    safe = '<p>&lt;img src=x onerror="alert(1)"&gt;</p><img src="data:image/png;base64,AAAA">'
    assert find_live_script_vectors(safe) == []
