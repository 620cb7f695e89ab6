"""The OData query options of Graph's directory: $filter, $select, $orderby, $search, $count, $top.

REF: https://learn.microsoft.com/en-us/graph/query-parameters
REF: https://learn.microsoft.com/en-us/graph/aad-advanced-queries
"""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import urlencode

from hcinfra.emulator.graph.capabilities import Ops
from hcinfra.emulator.graph.errors import GraphError, bad_request, odata_bad_request
from hcinfra.emulator.graph.filters import parse_filter

MAX_TOP = 999
SAFE = "$,()':"
SEARCH_TERM = re.compile(r'\s*"(?P<prop>[^":]+):(?P<value>[^"]*)"\s*')
WORD = re.compile(r"[A-Za-z0-9]+")


def unsupported_query(message: str) -> GraphError:
    """400 Request_UnsupportedQuery."""
    return GraphError(400, "Request_UnsupportedQuery", message)


def is_advanced(query: dict[str, str], headers: dict[str, str]) -> bool:
    """True for an advanced query: ConsistencyLevel: eventual and $count=true."""
    return eventual(headers) and query.get("$count", "").lower() == "true"


def eventual(headers: dict[str, str]) -> bool:
    """True when the request carries ConsistencyLevel: eventual."""
    return headers.get("consistencylevel", "").lower() == "eventual"


def wants_count(query: dict[str, str], headers: dict[str, str]) -> bool:
    """True when @odata.count belongs in the answer.

    Without ConsistencyLevel, Graph silently ignores `$count=true` on directory objects.
    """
    return is_advanced(query, headers)


def parse_select(query: dict[str, str], known: set[str], type_name: str) -> list[str] | None:
    """The $select list with Graph's spelling of each name (matching ignores case), or None."""
    raw = query.get("$select")
    if not raw:
        return None
    by_lower = {k.lower(): k for k in known}
    names = []
    for name in (n.strip() for n in raw.split(",")):
        if not name:
            continue
        if name.lower() not in by_lower:
            raise odata_bad_request(
                "Parsing OData Select and Expand failed: Could not find a property named "
                f"'{name}' on type '{type_name}'."
            )
        names.append(by_lower[name.lower()])
    return names


def context_fragment(entity_set: str, select: list[str] | None, entity: bool = False) -> str:
    """`groups`, `groups(id,displayName)`, `groups/$entity` or `groups(id)/$entity`."""
    base = f"{entity_set}({','.join(select)})" if select else entity_set
    return f"{base}/$entity" if entity else base


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
    filterable: dict[str, Ops],
) -> list[dict[str, Any]]:
    """The documents a request's $filter keeps (all of them without one)."""
    text = query.get("$filter")
    if not text:
        return docs
    pred = parse_filter(text, resource, filterable, is_advanced(query, headers))
    return [d for d in docs if pred(d)]


def apply_orderby(
    docs: list[dict[str, Any]],
    query: dict[str, str],
    headers: dict[str, str],
    sortable: dict[str, bool],
) -> list[dict[str, Any]]:
    """Documents sorted by $orderby, refused where the directory cannot sort.

    A property sorts by default or only in advanced queries; `$filter` (or `$search`) with
    `$orderby` always needs an advanced query. The refusal's text is the message Graph sends
    in practice; the pages name the rule, not the words.
    """
    raw = query.get("$orderby")
    if not raw:
        return docs
    advanced = is_advanced(query, headers)
    if ("$filter" in query or "$search" in query) and not advanced:
        raise unsupported_query("Sorting not supported for current query.")
    keys = []
    for clause in raw.split(","):
        parts = clause.split()
        direction = parts[1].lower() if len(parts) == 2 else "asc"
        if not parts or len(parts) > 2 or direction not in ("asc", "desc"):
            raise odata_bad_request(f"Invalid $orderby clause '{clause.strip()}'.")
        name = next((k for k in sortable if k.lower() == parts[0].lower()), None)
        if name is None or (not sortable[name] and not advanced):
            raise unsupported_query("Sorting not supported for current query.")
        keys.append((name, direction == "desc"))
    out = list(docs)
    for name, desc in reversed(keys):
        present = [d for d in out if d.get(name) is not None]
        absent = [d for d in out if d.get(name) is None]
        present.sort(key=lambda d, n=name: str(d[n]).lower(), reverse=desc)  # type: ignore[misc]
        out = present + absent
    return out


def apply_search(
    docs: list[dict[str, Any]],
    query: dict[str, str],
    headers: dict[str, str],
    searchable: dict[str, bool],
) -> list[dict[str, Any]]:
    """Documents matching $search ("prop:value" terms joined by AND / OR).

    Tokenized properties match a word that starts with the value; the others match from the
    start of the value, as $filter startswith does. $search needs ConsistencyLevel: eventual.
    """
    raw = query.get("$search")
    if raw is None:
        return docs
    if not eventual(headers):
        raise unsupported_query(
            "Request with $search query parameter only works through MSGraph with a special "
            "request header: 'ConsistencyLevel: eventual'"
        )
    groups: list[list[tuple[str, str]]] = [[]]  # OR of ANDs
    pos = 0
    while True:
        m = SEARCH_TERM.match(raw, pos)
        prop = next((k for k in searchable if m and k.lower() == m["prop"].lower()), None)
        if m is None or prop is None:
            raise bad_request(f"Invalid $search expression '{raw}'.", "Request_UnsupportedQuery")
        groups[-1].append((prop, m["value"].lower()))
        pos = m.end()
        if pos >= len(raw):
            break
        joiner, _, _ = raw[pos:].partition(" ")
        if joiner.upper() not in ("AND", "OR"):
            raise bad_request(f"Invalid $search expression '{raw}'.", "Request_UnsupportedQuery")
        if joiner.upper() == "OR":
            groups.append([])
        pos += len(joiner) + 1

    def hit(doc: dict[str, Any], prop: str, value: str) -> bool:
        text = str(doc.get(prop) or "").lower()
        if searchable[prop]:
            return any(word.startswith(value) for word in WORD.findall(text))
        return text.startswith(value)

    return [d for d in docs if any(all(hit(d, p, v) for p, v in g) for g in groups)]
