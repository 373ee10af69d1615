"""The JSONPath templates kubectl accepts: `{.a.b}`, `{.items[*].metadata.name}`,
`{range .items[*]}{.metadata.name}{"\\n"}{end}`, indexes, slices, `..`, `*` and filters
like `[?(@.type=="Ready")]`. Missing keys print nothing, as in `kubectl get`.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moorage.cli.errors import CliError

Step = Callable[[Any, Any], list[Any]]  # (value, root) -> values
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}
COMPARE = re.compile(r"^(.*?)\s*(==|!=|<=|>=|<|>)\s*(.*)$")


class JsonPathError(CliError):
    def __init__(self, template: str, problem: str) -> None:
        super().__init__(f"error parsing jsonpath {template}: {problem}")


@dataclass
class Node:
    text: str | None = None  # literal text
    path: list[Step] | None = None  # an expression to print
    body: list["Node"] | None = None  # a range over `path`
    children: list["Node"] = field(default_factory=list)


def _unquote(literal: str) -> str:
    inner, out, i = literal[1:-1], [], 0
    while i < len(inner):
        if inner[i] == "\\" and i + 1 < len(inner):
            out.append(ESCAPES.get(inner[i + 1], inner[i + 1]))
            i += 2
        else:
            out.append(inner[i])
            i += 1
    return "".join(out)


def _split_braces(template: str) -> list[tuple[bool, str]]:
    """(is_expression, text) pieces; quotes inside braces may hold braces."""
    pieces, i, start = [], 0, 0
    while i < len(template):
        if template[i] != "{":
            i += 1
            continue
        if start < i:
            pieces.append((False, template[start:i]))
        j, quote = i + 1, ""
        while j < len(template) and (quote or template[j] != "}"):
            if template[j] in "\"'" and (not quote or quote == template[j]):
                quote = "" if quote else template[j]
            elif template[j] == "\\" and quote:
                j += 1
            j += 1
        if j >= len(template):
            raise JsonPathError(template, "unclosed action")
        pieces.append((True, template[i + 1 : j].strip()))
        i = start = j + 1
    if start < len(template):
        pieces.append((False, template[start:]))
    return pieces


def parse(template: str) -> list[Node]:
    stack: list[list[Node]] = [[]]
    for is_expr, text in _split_braces(template):
        if not is_expr:
            stack[-1].append(Node(text=text))
        elif text == "end":
            if len(stack) == 1:
                raise JsonPathError(template, "not in range, nothing to end")
            stack.pop()
        elif text.startswith("range "):
            node = Node(path=parse_path(text[6:].strip(), template), body=[])
            stack[-1].append(node)
            stack.append(node.body)  # type: ignore[arg-type]
        elif text[:1] in "\"'" and text[-1:] == text[:1] and len(text) > 1:
            stack[-1].append(Node(text=_unquote(text)))
        else:
            stack[-1].append(Node(path=parse_path(text, template)))
    if len(stack) != 1:
        raise JsonPathError(template, "range without end")
    return stack[0]


def parse_path(text: str, template: str) -> list[Step]:
    steps: list[Step] = []
    i = 0
    if text[:1] == "$":
        steps.append(lambda _value, root: [root])
        i = 1
    elif text[:1] == "@":
        i = 1
    while i < len(text):
        if text.startswith("..", i):
            name, i = _read_name(text, i + 2)
            steps.append(_recursive(name))
        elif text[i] == ".":
            name, i = _read_name(text, i + 1)
            if name:
                steps.append(_field(name))
        elif text[i] == "[":
            close = _closing_bracket(text, i, template)
            steps.append(_bracket(text[i + 1 : close].strip(), template))
            i = close + 1
        else:
            raise JsonPathError(template, f"unrecognized character in action: {text[i]!r}")
    return steps


def _read_name(text: str, i: int) -> tuple[str, int]:
    out = []
    while i < len(text) and text[i] not in ".[":
        if text[i] == "\\" and i + 1 < len(text):
            i += 1
        out.append(text[i])
        i += 1
    return "".join(out), i


def _closing_bracket(text: str, i: int, template: str) -> int:
    depth, quote = 0, ""
    for j in range(i, len(text)):
        char = text[j]
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return j
    raise JsonPathError(template, "unterminated array")


def _field(name: str) -> Step:
    def step(value: Any, _root: Any) -> list[Any]:
        if name == "*":
            return _children(value)
        if isinstance(value, dict) and name in value:
            return [value[name]]
        return []

    return step


def _children(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return list(value.values())
    return list(value) if isinstance(value, list) else []


def _recursive(name: str) -> Step:
    def walk(value: Any) -> list[Any]:
        found = [value[name]] if isinstance(value, dict) and name in value else []
        for child in _children(value):
            found += walk(child)
        return found

    return lambda value, _root: walk(value)


def _bracket(inner: str, template: str) -> Step:
    if inner.startswith("?"):
        return _filter(inner[1:].strip().removeprefix("(").removesuffix(")"), template)
    if inner[:1] in "\"'":
        return _field(_unquote(inner))
    if inner == "*":
        return lambda value, _root: _children(value)
    if ":" in inner:
        return _slice(inner, template)
    try:
        index = int(inner)
    except ValueError:
        raise JsonPathError(template, f"invalid array index {inner!r}") from None

    def step(value: Any, _root: Any) -> list[Any]:
        if isinstance(value, list) and -len(value) <= index < len(value):
            return [value[index]]
        return []

    return step


def _slice(inner: str, template: str) -> Step:
    try:
        parts = [int(p) if p.strip() else None for p in inner.split(":")]
    except ValueError:
        raise JsonPathError(template, f"invalid array slice {inner!r}") from None
    bounds = slice(*parts[:3])
    return lambda value, _root: value[bounds] if isinstance(value, list) else []


def _filter(expression: str, template: str) -> Step:
    match = COMPARE.match(expression)
    left = parse_path(match.group(1) if match else expression, template)
    right = _operand(match.group(3), template) if match else None

    def keep(item: Any, root: Any) -> bool:
        values = evaluate(left, item, root)
        if not match or right is None:
            return bool(values)
        if not values:
            return False
        return _compare(values[0], match.group(2), right(item, root))

    return lambda value, root: [item for item in _children(value) if keep(item, root)]


def _operand(text: str, template: str) -> Callable[[Any, Any], Any]:
    text = text.strip()
    if text[:1] in "\"'":
        literal: Any = _unquote(text)
        return lambda _item, _root: literal
    if text[:1] in "@$":
        path = parse_path(text, template)
        return lambda item, root: next(iter(evaluate(path, item, root)), None)
    try:
        number = json.loads(text)
    except ValueError:
        raise JsonPathError(template, f"unrecognized filter operand {text!r}") from None
    return lambda _item, _root: number


def _compare(left: Any, op: str, right: Any) -> bool:
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    try:
        return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[op]
    except TypeError:
        return False


def evaluate(steps: list[Step], current: Any, root: Any) -> list[Any]:
    values = [current]
    for step in steps:
        values = [out for value in values for out in step(value, root)]
    return values


def format_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _render(nodes: list[Node], current: Any, root: Any) -> str:
    out = []
    for node in nodes:
        if node.text is not None:
            out.append(node.text)
        elif node.body is not None:
            for item in evaluate(node.path or [], current, root):
                values = item if isinstance(item, list) else [item]  # `{range .items}` too
                out += [_render(node.body, value, root) for value in values]
        else:
            out.append(" ".join(format_value(v) for v in evaluate(node.path or [], current, root)))
    return "".join(out)


def render(template: str, data: Any) -> str:
    return _render(parse(template), data, data)
