"""The OData query options Graph's directory supports: $filter, $select, $top, paging."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from hcinfra.emulator.graph.errors import GraphError, odata_bad_request

TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<punct>[(),:/])"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.\-]*))"
)
COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}
ADVANCED_ONLY = {"ne", "not", "endswith"}
MAX_TOP = 999
SAFE = "$,()':"


def unsupported(prop: str, resource: str) -> GraphError:
    """400 for a filter Graph does not support on that property."""
    return GraphError(
        400,
        "Request_UnsupportedQuery",
        f"Unsupported or invalid query filter clause specified for property '{prop}' of "
        f"resource '{resource}'.",
    )


Predicate = Callable[[dict[str, Any]], bool]


@dataclass
class FilterSpec:
    """Properties a resource can be filtered on, and whether the query is advanced."""

    resource: str
    properties: set[str]
    advanced: bool


class _Parser:
    def __init__(self, text: str, spec: FilterSpec) -> None:
        self.spec = spec
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            m = TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise odata_bad_request(f"Invalid filter clause: syntax error at position {pos}.")
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (expected is not None and tok[1].lower() != expected):
            raise odata_bad_request(
                f"Invalid filter clause: expected '{expected or 'a term'}' in $filter."
            )
        self.i += 1
        return tok[1]

    def parse(self) -> Predicate:
        pred = self.or_expr()
        if self.peek() is not None:
            raise odata_bad_request(f"Invalid filter clause: unexpected '{self.peek()[1]}'.")  # type: ignore[index]
        return pred

    def or_expr(self) -> Predicate:
        left = self.and_expr()
        while (tok := self.peek()) and tok[1].lower() == "or":
            self.take()
            left = _either(left, self.and_expr())
        return left

    def and_expr(self) -> Predicate:
        left = self.unary()
        while (tok := self.peek()) and tok[1].lower() == "and":
            self.take()
            left = _both(left, self.unary())
        return left

    def unary(self) -> Predicate:
        tok = self.peek()
        if tok and tok[1].lower() == "not":
            self.take()
            self.need_advanced("not")
            inner = self.unary()
            return lambda d: not inner(d)
        if tok and tok[1] == "(":
            self.take("(")
            inner = self.or_expr()
            self.take(")")
            return inner
        return self.term()

    def need_advanced(self, what: str) -> None:
        if not self.spec.advanced:
            raise GraphError(
                400,
                "Request_UnsupportedQuery",
                f"Operator '{what}' is not supported because the required parameters might be "
                "missing. Try adding $count=true query parameter and ConsistencyLevel:eventual "
                "header. Refer to https://aka.ms/graph-docs/advanced-queries for more "
                "information",
            )

    def prop(self) -> str:
        name = self.take()
        if name not in self.spec.properties:
            raise unsupported(name, self.spec.resource)
        return name

    def literal(self) -> Any:
        tok = self.peek()
        if tok is None:
            raise odata_bad_request("Invalid filter clause: a value is missing.")
        self.i += 1
        kind, text = tok
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text) if "." in text else int(text)
        low = text.lower()
        if low in ("true", "false"):
            return low == "true"
        if low == "null":
            return None
        raise odata_bad_request(f"Invalid filter clause: '{text}' is not a literal.")

    def term(self) -> Predicate:
        tok = self.peek()
        if tok and tok[1].lower() in ("startswith", "endswith"):
            func = self.take().lower()
            if func == "endswith":
                self.need_advanced("endsWith")
            self.take("(")
            name = self.prop()
            self.take(",")
            value = self.literal()
            self.take(")")
            if not isinstance(value, str):
                raise odata_bad_request(f"Invalid filter clause: {func} needs a string.")
            needle = value.lower()
            if func == "startswith":
                return lambda d: str(d.get(name) or "").lower().startswith(needle)
            return lambda d: str(d.get(name) or "").lower().endswith(needle)
        name = self.prop()
        nxt = self.peek()
        if nxt and nxt[1] == "/":
            return self.any_clause(name)
        op = self.take().lower()
        if op == "in":
            self.take("(")
            values = [self.literal()]
            while (t := self.peek()) and t[1] == ",":
                self.take(",")
                values.append(self.literal())
            self.take(")")
            lowered = {_norm(v) for v in values}
            return lambda d: _norm(d.get(name)) in lowered
        if op not in COMPARISONS:
            raise odata_bad_request(f"Invalid filter clause: unknown operator '{op}'.")
        if op == "ne":
            self.need_advanced("ne")
        value = self.literal()
        return _compare(name, op, value)

    def any_clause(self, name: str) -> Predicate:
        self.take("/")
        func = self.take().lower()
        if func not in ("any",):
            raise unsupported(name, self.spec.resource)
        self.take("(")
        var = self.take()
        self.take(":")
        if self.take() != var:
            raise odata_bad_request("Invalid filter clause: lambda variable mismatch.")
        self.take("eq")
        value = _norm(self.literal())
        self.take(")")
        return lambda d: any(_norm(v) == value for v in (d.get(name) or []))


def _either(a: Predicate, b: Predicate) -> Predicate:
    return lambda d: a(d) or b(d)


def _both(a: Predicate, b: Predicate) -> Predicate:
    return lambda d: a(d) and b(d)


def _norm(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _compare(name: str, op: str, value: Any) -> Predicate:
    target = _norm(value)

    def check(d: dict[str, Any]) -> bool:
        actual = _norm(d.get(name))
        if op == "eq":
            return bool(actual == target)
        if op == "ne":
            return bool(actual != target)
        if actual is None or target is None:
            return False
        return {
            "gt": actual > target,
            "ge": actual >= target,
            "lt": actual < target,
            "le": actual <= target,
        }[op]

    return check


def parse_filter(text: str, spec: FilterSpec) -> Predicate:
    """A predicate for a $filter expression, or a 400 in Graph's words."""
    return _Parser(text, spec).parse()


def is_advanced(query: dict[str, str], headers: dict[str, str]) -> bool:
    """True for an advanced query: ConsistencyLevel: eventual and $count=true."""
    return (
        headers.get("consistencylevel", "").lower() == "eventual"
        and query.get("$count", "").lower() == "true"
    )


def parse_select(query: dict[str, str], known: set[str], type_name: str) -> list[str] | None:
    """The $select list, or None; unknown names are a 400."""
    raw = query.get("$select")
    if not raw:
        return None
    names = [n.strip() for n in raw.split(",") if n.strip()]
    for name in names:
        if name not in known:
            raise odata_bad_request(
                "Parsing OData Select and Expand failed: Could not find a property named "
                f"'{name}' on type '{type_name}'."
            )
    return names


def parse_top(query: dict[str, str], default: int = 100) -> int:
    """The page size from $top (1..999)."""
    raw = query.get("$top")
    if raw is None:
        return default
    try:
        top = int(raw)
    except ValueError:
        top = -1
    if not 1 <= top <= MAX_TOP:
        raise odata_bad_request(
            f"Invalid page size specified: '{raw}'. Must be between 1 and {MAX_TOP} inclusive."
        )
    return top


def page(
    items: list[dict[str, Any]], query: dict[str, str], next_base: str, default_top: int = 100
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of items and the @odata.nextLink to the next, if any."""
    top = parse_top(query, default_top)
    offset = 0
    token = query.get("$skiptoken")
    if token:
        try:
            offset = int(base64.urlsafe_b64decode(token.encode()).decode().split(":", 1)[1])
        except (ValueError, IndexError):
            raise odata_bad_request("The $skiptoken is invalid.") from None
    chunk = items[offset : offset + top]
    if offset + top >= len(items):
        return chunk, None
    params = {k: v for k, v in query.items() if k != "$skiptoken"}
    params["$skiptoken"] = base64.urlsafe_b64encode(f"RFNwdAIAA:{offset + top}".encode()).decode()
    return chunk, f"{next_base}?{urlencode(params, safe=SAFE)}"


def apply_filter(
    docs: list[dict[str, Any]],
    query: dict[str, str],
    headers: dict[str, str],
    resource: str,
    filterable: set[str],
) -> list[dict[str, Any]]:
    """The documents a request's $filter keeps (all of them without one)."""
    text = query.get("$filter")
    if not text:
        return docs
    pred = parse_filter(text, FilterSpec(resource, filterable, is_advanced(query, headers)))
    return [d for d in docs if pred(d)]
