"""Read a params file's YAML safely: ``yaml.safe_load`` within size, alias and depth limits.

A params file is a short list of settings; a YAML "billion laughs" file (aliases expanding
to millions of values) or a file nested hundreds of levels deep is refused before it is
expanded. ``insights.params.load_params`` reads every params file through
``load_yaml_limited``; this module knows nothing of the params' schema.
"""

from __future__ import annotations

import yaml


class YamlLimitError(ValueError):
    """Raised when a YAML text breaks one of the limits below."""


#: Limits of a params file: bytes, aliases (``*name``), nesting depth and values once
#: aliases are expanded. Real params are a few KB and a handful of levels; a YAML "billion
#: laughs" file breaks one of these at once and is refused before it is expanded.
MAX_PARAMS_BYTES, MAX_YAML_ALIASES, MAX_YAML_DEPTH, MAX_YAML_NODES = 1 << 20, 100, 32, 100_000


class _LimitedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` counting aliases and depth while it composes the node graph."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases, self.depth = 0, 0

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_YAML_ALIASES:
                raise YamlLimitError(f"more than {MAX_YAML_ALIASES} aliases (*name)")
        self.depth += 1
        try:
            if self.depth > MAX_YAML_DEPTH:
                raise YamlLimitError(f"nested deeper than {MAX_YAML_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """Return how many values ``node`` stands for once aliases are expanded (memoised)."""
    if id(node) not in sizes:
        sizes[id(node)] = 1  # a cycle counts once; the constructor refuses nothing here
        if isinstance(node, yaml.SequenceNode):
            sizes[id(node)] += sum(_expanded_size(child, sizes) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            sizes[id(node)] += sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
    return sizes[id(node)]


def load_yaml_limited(text: str, *, origin: str) -> object:
    """Parse YAML like ``yaml.safe_load`` within the limits above; never expand a bomb.

    The error names the limit broken, never the value.
    """
    loader = _LimitedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            too_big = _expanded_size(node, {}) > MAX_YAML_NODES
        except RecursionError:
            too_big = True
        if too_big:
            raise YamlLimitError(f"more than {MAX_YAML_NODES} values once aliases are expanded")
        return loader.construct_document(node)
    except YamlLimitError as exc:
        raise YamlLimitError(f"{origin}: refused: {exc}; a params file is a short list of settings "
                             "(is it a YAML alias bomb?).") from None
    finally:
        loader.dispose()
