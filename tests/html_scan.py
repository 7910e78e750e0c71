"""A scanner for live script vectors and external references in published HTML.

Parses the document (not regexes over text), so escaped text such as
``&lt;img onerror=...&gt;`` is inert and not reported, while a real tag is. Every attribute
is checked, not a list of known URL attributes: any value that is a URL with a scheme other
than an embedded PNG/JPEG/GIF image, protocol-relative (``//host``) or a UNC/Windows path
(``\\\\host\\share``, ``file:``) is reported, including each candidate of ``srcset`` and
``imagesrcset``. CSS in ``style`` attributes and ``<style>`` blocks is checked for
``url(...)``, ``image-set(...)``, ``@import``, ``expression(...)``, ``behavior`` and
``-moz-binding`` (CSS escapes are decoded first).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_DANGEROUS_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base",
                   "form", "link", "portal", "svg", "math", "template", "noscript", "audio", "video",
                   "source", "track"}  # fmt: skip
_SAFE_DATA = ("data:image/png", "data:image/jpeg", "data:image/gif")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*:")
_CSS_FETCH = re.compile(r"url\s*\(|image-set\s*\(|@import|expression\s*\(|behavior\s*:|-moz-binding|"
                        r"src\s*\(", re.I)  # fmt: skip
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)")


def _compact(value: str) -> str:
    """Lower-case ``value`` with white space and control characters removed."""
    return "".join(ch for ch in value if ch > " " and ch != "\x7f").lower()


def _decode_css(text: str) -> str:
    return _CSS_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(2), text)


def url_problem(value: str) -> str | None:
    """Return why ``value`` would fetch or run something, or None when it is inert."""
    compact = _compact(value)
    if compact.startswith(("\\\\", "//", "/\\", "\\/")):
        return f"network path {compact[:60]}"
    if compact.startswith(_SAFE_DATA):
        return None
    scheme = _SCHEME.match(compact)
    if scheme and scheme.group(0) not in ("mailto:",):
        return f"URL {compact[:60]}"
    if re.match(r"^[a-z]:[\\/]", compact):
        return f"local path {compact[:60]}"
    return None


def css_problem(text: str) -> str | None:
    """Return why CSS ``text`` could fetch or run something, or None."""
    found = _CSS_FETCH.search(_decode_css(text))
    return f"CSS {found.group(0)!r}" if found else None


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)
        self._in_style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style and (problem := css_problem(data)):
            self.problems.append(f"<style> block: {problem}")

    def _check(self, tag, attrs):
        if tag in _DANGEROUS_TAGS:
            self.problems.append(f"<{tag}> tag")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            if name == "style":
                if problem := css_problem(value):
                    self.problems.append(f"style on <{tag}>: {problem}")
                continue
            candidates = [c.strip().split()[0] for c in value.split(",") if c.strip()] \
                if name in ("srcset", "imagesrcset") else [value]
            for candidate in candidates:
                if (problem := url_problem(candidate)) and not _inert(tag, name, candidate):
                    self.problems.append(f"{problem} in <{tag} {name}>")
        if tag == "meta" and dict(attrs).get("http-equiv", "").lower() == "refresh":
            self.problems.append("meta refresh")


def _inert(tag: str, name: str, value: str) -> bool:
    """Attributes whose value is text, never fetched (the CSP meta tag, a lang code...)."""
    return (tag, name) in {("meta", "content"), ("meta", "http-equiv"), ("meta", "name"),
                           ("meta", "charset"), ("html", "lang")} or name in {"alt", "title", "class", "id"} \
        or name.startswith("xmlns")


def find_live_script_vectors(document: str) -> list[str]:
    """Return every live script vector or external reference found in ``document``."""
    scanner = _Scanner()
    scanner.feed(document)
    scanner.close()
    return scanner.problems
