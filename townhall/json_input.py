"""Reading the JSON people send: the API's bodies, a page script's posts, socket events.

Every JSON body the app reads is read here, before a view or handler sees it: pages'
`request.get_json()` (parsed by the app's `DepthCheckingJSONProvider`, cleaned by its
`TypedInputRequest`, which cleans query strings too), the API's arguments (its webargs
parser calls `loads`) and Socket.IO events (the server's packet class calls `loads`).
Two things are done:

- JSON nested deeper than MAX_DEPTH is refused before it is parsed. Python's parser
  recurses once per level: a thousand levels (two kilobytes of "[") raise RecursionError,
  a 500 in a view and a traceback in the socket server. No request of ours nests
  anywhere near 32 levels. The scan that counts the levels is itself a loop, linear in
  the text, and stops at the first level too deep.
- Every string in what was parsed, keys included, is cleaned by the typed-text policy
  (`typed_text.clean_body`), so the API and sockets keep no NUL, bidirectional override
  or control character that a form would have dropped.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.utils import cached_property

from townhall.typed_text import clean_body, clean_line

#: The deepest nesting of arrays and objects a JSON body may have.
MAX_DEPTH = 32

# One token at a time, each starting where the last ended, so each character is read
# once: a string (to its closing quote, escaped quotes and all, or to the end of an
# unclosed one), an opening bracket, a closing one, or a run of anything else.
# Possessive repeats (*+, ++) never backtrack, so an unclosed string costs its length.
_TOKEN = re.compile(r'"(?:[^"\\]++|\\.)*+"?|([\[{])|([\]}])|[^"\[\]{}]++', re.DOTALL)
_OPENS, _CLOSES = 1, 2


class JsonTooDeep(ValueError):
    """The JSON nests arrays and objects deeper than MAX_DEPTH."""

    def __init__(self, limit: int = MAX_DEPTH) -> None:
        super().__init__(f"The JSON is nested too deeply (the limit is {limit} levels).")


def check_depth(text: str, limit: int = MAX_DEPTH) -> None:
    """Raise JsonTooDeep when `text` opens more than `limit` arrays or objects at once.

    Brackets inside strings do not count. Text that is not JSON may be counted
    loosely, but never below the depth a parser would reach before it gives up.
    """
    depth = 0
    for token in _TOKEN.finditer(text):
        kind = token.lastindex
        if kind == _OPENS:
            depth += 1
            if depth > limit:
                raise JsonTooDeep(limit)
        elif kind == _CLOSES:
            depth -= 1


def _as_text(data: str | bytes | bytearray) -> str:
    """The body as text, decoded as `json.loads` would (UTF-8, -16 or -32)."""
    if isinstance(data, str):
        return data
    return bytes(data).decode(json.detect_encoding(data), "surrogatepass")


def _cleaned(value: Any) -> Any:
    """Clean every string in parsed JSON by the typed-text policy, without recursing."""
    if isinstance(value, str):
        return clean_body(value)
    root = [value]
    stack: list[list[Any] | dict[str, Any]] = [root]
    while stack:
        container = stack.pop()
        if isinstance(container, dict):
            items = list(container.items())
            container.clear()
            for key, item in items:
                container[clean_line(key)] = item
        for key, item in container.items() if isinstance(container, dict) else enumerate(container):
            if isinstance(item, str):
                container[key] = clean_body(item)
            elif isinstance(item, list | dict):
                stack.append(item)
    return root[0]


def loads(data: str | bytes | bytearray, **kwargs: Any) -> Any:
    """Parse JSON that someone sent: depth checked first, every string cleaned.

    Raise JsonTooDeep, or `json.JSONDecodeError` / `UnicodeDecodeError` (both
    ValueErrors) for what is not JSON.
    """
    text = _as_text(data)
    check_depth(text)
    return _cleaned(json.loads(text, **kwargs))


class _JsonModule:
    """What Socket.IO's packets call a JSON module: `loads` (ours) and `dumps`."""

    loads = staticmethod(loads)
    dumps = staticmethod(json.dumps)


json_module = _JsonModule()


class DepthCheckingJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, refusing JSON nested too deeply before parsing it.

    Flask parses every JSON it reads through the app's provider: request bodies (each
    request's `json_module` is the provider) and the session cookie. Cleaning the text
    is the request's business (`TypedInputRequest`): the session holds what the app
    wrote, not what people typed.
    """

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse `s`; raise JsonTooDeep when it nests deeper than MAX_DEPTH."""
        text = _as_text(s)
        check_depth(text)
        return json.loads(text, **kwargs)


class TypedInputRequest(Request):
    """Flask's request, holding what people send to the typed-text policy: the strings of
    a JSON body, and the query string (a search, say) as single lines. Refusals of a
    body that cannot be read are in plain words.
    """

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        """The body's JSON as Flask parses it, every string cleaned by the typed-text policy."""
        return _cleaned(super().get_json(force=force, silent=silent, cache=cache))

    @cached_property
    def args(self) -> MultiDict[str, str]:
        """The query string's names and values, each cleaned as one line of typed text.

        A search is typed too: a NUL in it would otherwise reach a query, which
        PostgreSQL refuses (a database error, not a message).
        """
        return self.parameter_storage_class(
            (clean_line(name), clean_line(value)) for name, value in super().args.items(multi=True)
        )

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        """Refuse a body that is not JSON (or is nested too deeply) with a 400 saying so."""
        if e is None:  # not sent as JSON: Flask's own 415
            return super().on_json_loading_failed(e)
        error = BadRequest(str(e) if isinstance(e, JsonTooDeep) else "The body is not valid JSON.")
        error.townhall_detail = True  # type: ignore[attr-defined]  # written for people
        raise error
