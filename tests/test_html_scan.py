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


@pytest.mark.parametrize(
    "snippet",
    [
        '<img srcset="data:image/png;base64,AA 1x, https://evil.example/x.png 2x">',
        '<source srcset="//evil.example/x.png">',
        '<div style="background-image: URL( \'//evil.example/x\' )"></div>',
        '<div style="background: u\\72l(http://x)"></div>',
        '<p style="list-style: image-set(\'x.png\' 1x)">x</p>',
        "<style>body { background: url(https://evil.example/t.gif) }</style>",
        "<style>@import 'https://evil.example/x.css';</style>",
        '<img src="\\\\evil-host\\share\\pixel.png">',
        '<a href="file:///etc/passwd">x</a>',
        '<img src="C:\\Users\\x.png">',
        '<image xlink:href="https://evil.example/x">',
        '<video poster="https://evil.example/p.png"></video>',
        '<input type="image" src="//evil.example/x">',
        '<table background="https://evil.example/x.png"></table>',
        '<div data-x="1" ping="https://evil.example/p">x</div>',
    ],
)
def test_scanner_flags_every_attribute_and_css_form_that_fetches(snippet):
    assert find_live_script_vectors(f"<html><body>{snippet}</body></html>")


def test_scanner_accepts_relative_links_anchors_and_inline_css_without_urls():
    page = ('<html lang="ru"><head><meta http-equiv="Content-Security-Policy" content="default-src '
            "'none'; img-src data:\"><style>.a { color: red }</style></head><body>"
            '<a href="#Headline">x</a><a href="fleet/2026Q3/report.html">y</a>'
            '<p style="color: #333">Note: a;b, c</p></body></html>')
    assert find_live_script_vectors(page) == []
