"""Decoding request bodies into documents: JSON, or YAML with bounded alias expansion.

YAML aliases name a node again without spelling it out, so a few hundred
bytes can stand for billions of nodes ("billion laughs"), and an alias of a
long scalar for its whole length again. A document may expand to no more than
the largest body could spell out without aliases, counting each scalar by its
length; one that would is refused before anything is built from it.

Parsing a body of a few KiB already takes milliseconds, so larger ones are
parsed in a thread and the event loop goes on serving other requests. The
threads are a pool of their own: a burst of large bodies waits for them, not
for the default pool every store call of every request goes through.
"""

import asyncio
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from moorage.api.limits import MAX_BODY
from moorage.api.status import ApiError

ON_LOOP_BYTES = 4 * 1024

T = TypeVar("T")
_PARSERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="moorage-parse")


class Unbounded(yaml.YAMLError):
    """A document that expands too far, or contains itself."""


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return node.value
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _size(node: Node, collections: dict[int, int]) -> int:
    if isinstance(node, ScalarNode):
        return len(node.value) + 1  # and a separator: no body spells it out in fewer bytes
    return collections[id(node)]


def _within(size: int, limit: int) -> int:
    if size > limit:
        raise Unbounded(f"the document expands past the limit of {limit} bytes")
    return size


def expanded_size(root: Node, limit: int) -> int:
    """About how many bytes `root` stands for with every alias spelled out; Unbounded past `limit`.

    A scalar counts its length and a collection one more than its children. Aliases
    share their node, so each distinct collection is sized once; a depth-first walk
    with an explicit stack, as nesting is as deep as the document makes it. A
    collection met again while its own children are being sized contains itself.
    """
    sizes: dict[int, int] = {}
    open_: set[int] = set()
    pending: list[tuple[Node, bool]] = [(root, False)]
    while pending:
        node, children_sized = pending.pop()
        key = id(node)
        if children_sized:
            sizes[key] = _within(1 + sum(_size(child, sizes) for child in _children(node)), limit)
            open_.discard(key)
        elif key in open_:
            raise Unbounded("the document contains itself through an alias")
        elif key not in sizes:
            open_.add(key)
            pending.append((node, True))
            collections = (c for c in _children(node) if not isinstance(c, ScalarNode))
            pending.extend((child, False) for child in collections)
    return _within(_size(root, sizes), limit)


class _BoundedLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader (libyaml's when present), refusing documents that expand too far."""

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        expanded_size(node, MAX_BODY)
        return self.construct_document(node)


def decode(body: bytes, content_type: str) -> Any:
    """The document a JSON or YAML body holds; a BadRequest when it holds none."""
    syntax = "YAML" if "yaml" in content_type else "JSON"
    try:
        return yaml.load(body, Loader=_BoundedLoader) if syntax == "YAML" else json.loads(body)
    except Unbounded as exc:
        raise ApiError("BadRequest", f"the request body is refused: {exc}") from None
    except (ValueError, yaml.YAMLError) as exc:
        raise ApiError("BadRequest", f"the request body is not valid {syntax}: {exc}") from None
    except RecursionError:
        raise ApiError("BadRequest", f"the request body's {syntax} is nested too deeply") from None


async def parsed(parse: Callable[[bytes], T], body: bytes) -> T:
    """`parse(body)`, in a thread when the body is large enough to hold the event loop up."""
    if len(body) <= ON_LOOP_BYTES:
        return parse(body)
    return await asyncio.get_running_loop().run_in_executor(_PARSERS, parse, body)
