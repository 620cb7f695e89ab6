"""`$filter` as Graph's directory parses it, checked against each property's documented operators.

An operator a property supports only in advanced queries, used without them, is Graph's
400 "Operator '…' is not supported because the required parameters might be missing";
one the property does not support at all (or a property that is not filterable) is
"Unsupported or invalid query filter clause specified for property …".

A filter of more than 15 expressions (each value of an `in` counts as one) is refused
unless the query is advanced (Graph's known issue "Some limitations apply to query
parameters": 15 expressions by default, a 2,048-character URL with advanced queries).
The refusal's text is Graph's as users report it; it is not on Learn (unverified).

REF: https://learn.microsoft.com/en-us/graph/aad-advanced-queries
REF: https://learn.microsoft.com/en-us/graph/filter-query-parameter
REF: https://developer.microsoft.com/en-us/graph/known-issues/?search=13635
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from hcinfra.emulator.graph.capabilities import Ops
from hcinfra.emulator.graph.errors import GraphError, odata_bad_request

TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')"
    r"|(?P<date>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?)"
    r"|(?P<num>-?\d+(?:\.\d+)?)|(?P<punct>[(),:/])"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.\-]*))"
)
COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}
# How Graph spells the operators in its messages.
SPELLING = {"endswith": "endsWith", "startswith": "startsWith", "null": "eq"}
MAX_EXPRESSIONS = 15  # per filter without advanced query parameters

Predicate = Callable[[dict[str, Any]], bool]


def unsupported(prop: str, resource: str) -> GraphError:
    """400 for a filter Graph does not support on that property."""
    return GraphError(
        400,
        "Request_UnsupportedQuery",
        f"Unsupported or invalid query filter clause specified for property '{prop}' of "
        f"resource '{resource}'.",
    )


def too_many(count: int) -> GraphError:
    """400 for a filter past MAX_EXPRESSIONS without advanced query parameters."""
    return GraphError(
        400,
        "Request_UnsupportedQuery",
        "Too many child clauses specified in search filter expression containing 'OR' "
        f"operators: {count}. Max allowed: {MAX_EXPRESSIONS}.",
    )


def needs_advanced(op: str) -> GraphError:
    """400 for an advanced-only operator sent without ConsistencyLevel and $count."""
    return GraphError(
        400,
        "Request_UnsupportedQuery",
        f"Operator '{SPELLING.get(op, op)}' is not supported because the required parameters "
        "might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual "
        "header. Refer to https://aka.ms/graph-docs/advanced-queries for more information",
    )


class FilterParser:
    """A recursive-descent parser for the subset of OData $filter the directory accepts."""

    def __init__(self, text: str, resource: str, props: dict[str, Ops], advanced: bool) -> None:
        self.resource, self.props, self.advanced = resource, props, advanced
        self.negated = 0
        self.expressions = 0  # leaf comparisons, each `in` value counted
        self.tokens: list[tuple[str, str]] = []
        pos, text = 0, text.strip()
        while pos < len(text):
            m = TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise odata_bad_request(f"Invalid filter clause: syntax error at position {pos}.")
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0

    def parse(self) -> Predicate:
        pred = self._parse()
        if self.expressions > MAX_EXPRESSIONS and not self.advanced:
            raise too_many(self.expressions)
        return pred

    def _parse(self) -> Predicate:
        """The predicate for the whole expression."""
        pred = self.or_expr()
        if (tok := self.peek()) is not None:
            raise odata_bad_request(f"Invalid filter clause: unexpected '{tok[1]}'.")
        return pred

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

    def allow(self, prop: str, op: str) -> Ops:
        """The property's operators, or Graph's 400 when `op` is not usable here."""
        spec = self.props.get(prop)
        if spec is None:
            raise unsupported(prop, self.resource)
        for needed in (op, "not") if self.negated else (op,):
            if needed in spec.default:
                continue
            if needed in spec.advanced:
                if not self.advanced:
                    raise needs_advanced(needed)
                continue
            raise unsupported(prop, self.resource)
        return spec

    def or_expr(self) -> Predicate:
        left = self.and_expr()
        while (tok := self.peek()) and tok[1].lower() == "or":
            self.take()
            right = self.and_expr()
            left = _either(left, right)
        return left

    def and_expr(self) -> Predicate:
        left = self.unary()
        while (tok := self.peek()) and tok[1].lower() == "and":
            self.take()
            right = self.unary()
            left = _both(left, right)
        return left

    def unary(self) -> Predicate:
        tok = self.peek()
        if tok and tok[1].lower() == "not":
            self.take()
            self.negated += 1
            inner = self.unary()
            self.negated -= 1
            return lambda d: not inner(d)
        if tok and tok[1] == "(":
            self.take("(")
            inner = self.or_expr()
            self.take(")")
            return inner
        return self.term()

    def literal(self) -> Any:
        tok = self.peek()
        if tok is None:
            raise odata_bad_request("Invalid filter clause: a value is missing.")
        self.i += 1
        kind, text = tok
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "date":
            return text
        if kind == "num":
            return float(text) if "." in text else int(text)
        low = text.lower()
        if low in ("true", "false"):
            return low == "true"
        if low == "null":
            return None
        raise odata_bad_request(f"Invalid filter clause: '{text}' is not a literal.")

    def function(self, name: str, var: str | None = None) -> tuple[str, Any]:
        """`startswith(prop, 'x')` (or the lambda variable): the property and the value."""
        self.take("(")
        prop = self.take()
        self.take(",")
        value = self.literal()
        self.take(")")
        if var is not None and prop != var:
            raise odata_bad_request("Invalid filter clause: lambda variable mismatch.")
        if not isinstance(value, str):
            raise odata_bad_request(f"Invalid filter clause: {name} needs a string.")
        return prop, value.lower()

    def term(self) -> Predicate:
        self.expressions += 1
        tok = self.peek()
        if tok and tok[1].lower() in ("startswith", "endswith"):
            func = self.take().lower()
            prop, needle = self.function(func)
            if self.allow(prop, func).collection:
                raise unsupported(prop, self.resource)
            return _text_match(prop, func, needle)
        prop = self.take()
        nxt = self.peek()
        if nxt and nxt[1] == "/":
            return self.any_clause(prop)
        op = self.take().lower()
        if op == "in":
            if self.allow(prop, "in").collection:
                raise unsupported(prop, self.resource)
            self.take("(")
            values = [self.literal()]
            while (t := self.peek()) and t[1] == ",":
                self.take(",")
                values.append(self.literal())
            self.take(")")
            self.expressions += len(values) - 1
            lowered = {_norm(v) for v in values}
            return lambda d: _norm(d.get(prop)) in lowered
        if op not in COMPARISONS:
            raise odata_bad_request(f"Invalid filter clause: unknown operator '{op}'.")
        value = self.literal()
        kind = "null" if op == "eq" and value is None else op
        if op in ("gt", "lt") or self.allow(prop, kind).collection:
            raise unsupported(prop, self.resource)
        return _compare(prop, op, value)

    def any_clause(self, prop: str) -> Predicate:
        if prop not in self.props:
            raise unsupported(prop, self.resource)
        self.take("/")
        if self.take().lower() != "any":
            raise unsupported(prop, self.resource)
        self.take("(")
        var = self.take()
        self.take(":")
        tok = self.peek()
        if tok and tok[1].lower() in ("startswith", "endswith"):
            func = self.take().lower()
            _, needle = self.function(func, var)
            op = func
        else:
            if self.take() != var:
                raise odata_bad_request("Invalid filter clause: lambda variable mismatch.")
            self.take("eq")
            needle, op = _norm(self.literal()), "eq"
        self.take(")")
        if not self.allow(prop, op).collection:
            raise unsupported(prop, self.resource)
        if op == "eq":
            return lambda d: any(_norm(v) == needle for v in (d.get(prop) or []))
        test = str.startswith if op == "startswith" else str.endswith
        return lambda d: any(test(str(v).lower(), needle) for v in (d.get(prop) or []))


def _text_match(prop: str, func: str, needle: str) -> Predicate:
    if func == "startswith":
        return lambda d: str(d.get(prop) or "").lower().startswith(needle)
    return lambda d: str(d.get(prop) or "").lower().endswith(needle)


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
        return bool(actual >= target) if op == "ge" else bool(actual <= target)

    return check


def parse_filter(text: str, resource: str, props: dict[str, Ops], advanced: bool) -> Predicate:
    """A predicate for a $filter expression, or a 400 in Graph's words."""
    return FilterParser(text, resource, props, advanced).parse()
