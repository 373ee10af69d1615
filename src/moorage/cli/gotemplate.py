"""The Go text/template subset kubectl's `-o go-template` is used with: fields
(`{{ .spec.host }}`), `range` (with `$i, $v :=`), `if`/`else`/`with`, variables,
pipelines, string literals and the functions index, len, printf, print, eq, ne,
lt, le, gt, ge, and, or, not, base64decode, base64encode.
"""

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moorage.cli.errors import CliError

ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.DOTALL)
TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|(\()|(\))|(\|)|(:?=)|(,)|([^\s()|,=]+))')
NO_VALUE = "<no value>"
Scope = dict[str, Any]


class TemplateError(CliError):
    def __init__(self, problem: str) -> None:
        super().__init__(f"go-template: {problem}")


@dataclass
class Block:
    kind: str  # "root", "range", "if", "with"
    pipeline: list[str] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)
    body: list[Any] = field(default_factory=list)  # str | Action | Block
    otherwise: list[Any] = field(default_factory=list)
    in_else: bool = False
    chained: bool = False  # an `{{else if}}`: ends with the block it continues

    def add(self, node: Any) -> None:
        (self.otherwise if self.in_else else self.body).append(node)


@dataclass
class Action:
    tokens: list[str]
    assign: str | None = None


def tokenize(text: str) -> list[str]:
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise TemplateError(f"unexpected {text[pos:]!r}")
        tokens.append(next(g for g in match.groups() if g is not None))
        pos = match.end()
    return tokens


def _split_declaration(tokens: list[str]) -> tuple[list[str], list[str]]:
    """`$i, $v := .items` -> (["$i", "$v"], [".items"])."""
    if ":=" in tokens:
        at = tokens.index(":=")
        return [t for t in tokens[:at] if t != ","], tokens[at + 1 :]
    return [], tokens


def parse(template: str) -> Block:
    stack = [Block("root")]
    pos = 0
    for match in ACTION.finditer(template):
        text = template[pos : match.start()]
        if match.group(1):
            text = text.rstrip()
        stack[-1].add(text)
        pos = match.end()
        if match.group(3):
            rest = template[pos:]
            pos += len(rest) - len(rest.lstrip())
        _action(stack, match.group(2).strip())
    stack[-1].add(template[pos:])
    if len(stack) != 1:
        raise TemplateError(f"unexpected EOF: {stack[-1].kind} has no end")
    return stack[0]


def _action(stack: list[Block], text: str) -> None:
    if text.startswith("/*"):
        return
    tokens = tokenize(text)
    if not tokens:
        raise TemplateError("missing value for command")
    word = tokens[0]
    if word in ("range", "if", "with"):
        variables, pipeline = _split_declaration(tokens[1:])
        block = Block(word, pipeline, variables)
        stack[-1].add(block)
        stack.append(block)
    elif word == "else":
        if len(stack) == 1:
            raise TemplateError("unexpected {{else}}")
        stack[-1].in_else = True
        if tokens[1:2] in (["if"], ["with"]):
            inner = Block(tokens[1], tokens[2:], chained=True)
            stack[-1].add(inner)
            stack.append(inner)
    elif word == "end":
        if len(stack) == 1:
            raise TemplateError("unexpected {{end}}")
        while stack.pop().chained:
            pass
    else:
        variables, pipeline = _split_declaration(tokens)
        stack[-1].add(Action(pipeline, variables[0] if variables else None))


def render(template: str, data: Any) -> str:
    root = parse(template)
    out: list[str] = []
    _run(root.body, data, {"$": data}, out)
    return "".join(out)


def _run(nodes: list[Any], dot: Any, scope: Scope, out: list[str]) -> None:
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, Action):
            value = _pipeline(node.tokens, dot, scope)
            if node.assign:
                scope[node.assign] = value
            else:
                out.append(go_format(value))
        else:
            _block(node, dot, scope, out)


def _block(block: Block, dot: Any, scope: Scope, out: list[str]) -> None:
    value = _pipeline(block.pipeline, dot, scope)
    inner = dict(scope)
    if block.kind == "range":
        items = _items(value)
        for key, item in items:
            if len(block.variables) == 2:
                inner[block.variables[0]], inner[block.variables[1]] = key, item
            elif block.variables:
                inner[block.variables[0]] = item
            _run(block.body, item, inner, out)
        if not items:
            _run(block.otherwise, dot, inner, out)
        return
    if block.variables:
        inner[block.variables[0]] = value
    if truthy(value):
        _run(block.body, value if block.kind == "with" else dot, inner, out)
    else:
        _run(block.otherwise, dot, inner, out)


def _items(value: Any) -> list[tuple[Any, Any]]:
    if isinstance(value, dict):
        return [(k, value[k]) for k in sorted(value)]
    if isinstance(value, list):
        return list(enumerate(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return [(i, i) for i in range(value)]
    return []


def _pipeline(tokens: list[str], dot: Any, scope: Scope) -> Any:
    commands: list[list[str]] = [[]]
    depth = 0
    for token in tokens:
        depth += token == "("
        depth -= token == ")"
        if token == "|" and depth == 0:
            commands.append([])
        else:
            commands[-1].append(token)
    value: Any = _MISSING
    for command in commands:
        value = _command(command, dot, scope, value)
    return None if value is _MISSING else value


_MISSING = object()


def _command(tokens: list[str], dot: Any, scope: Scope, piped: Any) -> Any:
    if not tokens:
        raise TemplateError("missing command")
    args, i = [], 1 if tokens[0] in FUNCTIONS else 0
    while i < len(tokens):
        value, i = _operand(tokens, i, dot, scope)
        args.append(value)
    if piped is not _MISSING:
        args.append(piped)
    if tokens[0] in FUNCTIONS:
        try:
            return FUNCTIONS[tokens[0]](*args)
        except TypeError as exc:
            raise TemplateError(f"error calling {tokens[0]}: {exc}") from None
    if len(args) != 1:
        raise TemplateError(f"can't give argument to non-function {tokens[0]}")
    return args[0]


def _operand(tokens: list[str], i: int, dot: Any, scope: Scope) -> tuple[Any, int]:
    token = tokens[i]
    if token == "(":
        depth, j = 1, i + 1
        while j < len(tokens) and depth:
            depth += {"(": 1, ")": -1}.get(tokens[j], 0)
            j += 1
        value = _pipeline(tokens[i + 1 : j - 1], dot, scope)
        if j < len(tokens) and tokens[j].startswith("."):  # `(index .items 0).metadata`
            return _fields(value, tokens[j]), j + 1
        return value, j
    if token[0] == '"':
        return token[1:-1].encode().decode("unicode_escape"), i + 1
    if token[0] == "`":
        return token[1:-1], i + 1
    if token in ("true", "false", "nil"):
        return {"true": True, "false": False, "nil": None}[token], i + 1
    if token[0] == ".":
        return _fields(dot, token), i + 1
    if token[0] == "$":
        name, _, rest = token.partition(".")
        if name not in scope:
            raise TemplateError(f'undefined variable "{name}"')
        return _fields(scope[name], "." + rest) if rest else scope[name], i + 1
    try:
        return (float(token) if "." in token else int(token)), i + 1
    except ValueError:
        raise TemplateError(f'function "{token}" not defined') from None


def _fields(value: Any, path: str) -> Any:
    for name in [p for p in path.split(".") if p]:
        value = value.get(name) if isinstance(value, dict) else None
    return value


def truthy(value: Any) -> bool:
    return value not in (None, False, 0, "") and not (isinstance(value, dict | list) and not value)


def go_format(value: Any) -> str:
    if value is None:
        return NO_VALUE
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_format(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_format(v) for v in value) + "]"
    return str(value)


def _index(value: Any, *keys: Any) -> Any:
    for key in keys:
        if isinstance(value, dict):
            value = value.get(key)
        elif isinstance(value, list) and isinstance(key, int) and -len(value) <= key < len(value):
            value = value[key]
        else:
            raise TemplateError(f"error calling index: cannot index {go_format(value)} with {key}")
    return value


def _printf(fmt: str, *args: Any) -> str:
    converted = re.sub(r"%v|%q", lambda m: "%s" if m.group() == "%v" else "%r", fmt)
    try:
        return converted % tuple(go_format(a) if isinstance(a, dict | list) else a for a in args)
    except (TypeError, ValueError) as exc:
        raise TemplateError(f"error calling printf: {exc}") from None


def _b64decode(text: str) -> str:
    try:
        return base64.b64decode(text).decode()
    except ValueError as exc:
        raise TemplateError(f"error calling base64decode: {exc}") from None


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "index": _index,
    "len": lambda v: len(v) if v is not None else 0,
    "printf": _printf,
    "print": lambda *a: "".join(go_format(v) for v in a),
    "println": lambda *a: " ".join(go_format(v) for v in a) + "\n",
    "eq": lambda a, *b: any(a == x for x in b),
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "and": lambda *a: next((v for v in a if not truthy(v)), a[-1]),
    "or": lambda *a: next((v for v in a if truthy(v)), a[-1]),
    "not": lambda v: not truthy(v),
    "base64decode": _b64decode,
    "base64encode": lambda text: base64.b64encode(str(text).encode()).decode(),
}
