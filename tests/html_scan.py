"""A scanner for live script vectors and external references in published HTML.

Parses the document (not regexes over text), so escaped text such as
``&lt;img onerror=...&gt;`` is inert and not reported, while a real tag is.
"""

from __future__ import annotations

from html.parser import HTMLParser

_DANGEROUS_TAGS = {"script", "iframe", "frame", "object", "embed", "applet", "base", "form", "link"}
_URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag, attrs):
        if tag in _DANGEROUS_TAGS:
            self.problems.append(f"<{tag}> tag")
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            if name in _URL_ATTRS:
                compact = "".join(value.split())
                if compact.startswith(("javascript:", "vbscript:")):
                    self.problems.append(f"{compact[:20]} URL in <{tag} {name}>")
                if compact.startswith(("http:", "https:", "//", "ftp:")):
                    self.problems.append(f"external URL in <{tag} {name}>: {compact[:60]}")
                if compact.startswith("data:") and not compact.startswith("data:image/png"):
                    self.problems.append(f"non-image data URL in <{tag} {name}>")
            if name == "style" and ("url(" in value or "expression(" in value):
                self.problems.append(f"style with url()/expression() on <{tag}>")
        if tag == "meta" and dict(attrs).get("http-equiv", "").lower() == "refresh":
            self.problems.append("meta refresh")


def find_live_script_vectors(document: str) -> list[str]:
    """Return every live script vector or external reference found in ``document``."""
    scanner = _Scanner()
    scanner.feed(document)
    scanner.close()
    return scanner.problems
