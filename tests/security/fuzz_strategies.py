"""Hypothesis strategies for hostile input, and the wire encodings that carry it.

What a careless or hostile client can send a form, a query string or a socket:
missing and extra fields, huge strings, control and format characters, lone
surrogates (invalid UTF-8 once on the wire), numbers out of any range, ids of things
that do not exist, several values where one is expected, markup and template syntax,
bad CSRF tokens and odd content types. The strategies keep each example small for
Hypothesis (a huge string is one character times a length) so shrinking stays cheap.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

from hypothesis import strategies as st

from townhall.database import MAX_ID

# Lengths past every limit the app states (names 40-60, comments 5,000-10,000,
# summaries 500), and one near the request body limit's order of magnitude.
HUGE_LENGTHS = (41, 61, 201, 501, 1_001, 5_001, 10_001, 20_001, 100_000)

ODD_WORDS = (
    "",
    " ",
    "\t\n ",
    "0",
    "-1",
    "-0",
    "+1",
    "1.5",
    "1e309",
    "²",  # a digit to str.isdigit, not to int()
    "٣",
    "99999999999999999999",
    "NaN",
    "sNaN",  # a signalling NaN: Decimal takes it, and comparing or float() then raises
    "Infinity",
    "null",
    "None",
    "true",
    "on",
    "[]",
    "{}",
    '{"a": 1}',
    "%00",
    "\x00",
    "\ufeff",
    "\u202e",
    "../../../../etc/passwd",
    "javascript:alert(1)",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "{% raw %}",
    "' OR 1=1 --",
    "2026-02-30",
    "2026-13-01T25:61",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "0000-00-00",
    "12:99",
    "-91.0",
    "181",
    "http://evil.example/",
    "//evil.example",
    "user:1",
    "consultation:1",
)

#: Whole numbers at and past every edge: negative ids, ids that cannot exist, overflows.
NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, MAX_ID, MAX_ID + 1, 2**63 - 1, 2**63, 10**30, 999_999_999]),
).map(str)

FLOATS = st.floats(allow_nan=True, allow_infinity=True).map(repr)

#: Characters people rarely type: controls, format marks, line and paragraph separators.
CONTROL_TEXT = st.text(
    alphabet=st.characters(categories=["Cc", "Cf", "Zl", "Zp"]), min_size=1, max_size=12
)

#: Lone surrogates: not valid Unicode, so they reach the server as invalid UTF-8.
SURROGATE_TEXT = st.text(alphabet=st.characters(categories=["Cs"]), min_size=1, max_size=4)

HUGE_TEXT = st.builds(
    lambda piece, length: (piece * length)[:length],
    st.sampled_from(["x", "é", "😀", "A ", "<b>", "\n", "\u0000", "99 "]),
    st.sampled_from(HUGE_LENGTHS),
)

#: One hostile scalar value, as a form or query string would carry it.
HOSTILE_TEXT = st.one_of(
    st.sampled_from(ODD_WORDS),
    st.text(max_size=30),
    CONTROL_TEXT,
    SURROGATE_TEXT,
    HUGE_TEXT,
    NUMBERS,
    FLOATS,
)

#: Names for extra fields and query arguments: ones the app reads, and made-up ones.
KNOWN_ARGUMENTS = (
    "page",
    "q",
    "sort",
    "status",
    "area",
    "audience",
    "role",
    "weeks",
    "case",
    "next",
    "last_id",
    "cursor",
    "id",
    "parent_id",
    "option",
    "kind",
    "csrf_token",
    "_method",
)
FIELD_NAMES = st.one_of(st.sampled_from(KNOWN_ARGUMENTS), st.text(min_size=1, max_size=12))


def to_wire(text: str) -> bytes:
    """Encode as a client would; lone surrogates become invalid UTF-8 bytes."""
    return text.encode("utf-8", "surrogatepass")


def urlencode(pairs: Iterable[tuple[str, str]]) -> str:
    """`a=1&b=2`, percent-encoding every byte, invalid UTF-8 included."""
    return "&".join(f"{quote_plus(to_wire(k))}={quote_plus(to_wire(v))}" for k, v in pairs)


def printable(text: str) -> str:
    """The text with lone surrogates replaced, for encoders that insist on valid UTF-8."""
    return to_wire(text).decode("utf-8", "replace")


@st.composite
def query_strings(draw: st.DrawFn) -> str:
    """A query string of junk (possibly empty): known and unknown arguments, repeated."""
    pairs = draw(st.lists(st.tuples(FIELD_NAMES, HOSTILE_TEXT), max_size=4))
    if draw(st.booleans()):
        return urlencode(pairs)
    return ""


@dataclass(frozen=True)
class FormField:
    """A field found on one of the app's own forms, with the value the page gave it."""

    name: str
    value: str
    # Every value the page offers (a select's options, a radio group's choices).
    choices: tuple[str, ...] = ()


@dataclass
class HostileSubmission:
    """One form submission: the fields as pairs (or, sent as JSON, any JSON value), how
    the CSRF token is sent, the content type, and junk for the query string."""

    pairs: list[tuple[str, str]] = field(default_factory=list)
    csrf: str = "valid"
    content_type: str = "form"
    query: str = ""
    json_body: Any = None

    def describe(self) -> str:
        shown = [(k, v if len(v) < 80 else f"{v[:20]}... ({len(v)} chars)") for k, v in self.pairs]
        body = f" json={self.json_body!r:.200}" if self.content_type == "json" else ""
        return f"csrf={self.csrf} type={self.content_type} query={self.query[:80]!r} {shown}{body}"


def _field_values(form_field: FormField) -> st.SearchStrategy[list[str]]:
    """Values for one known field: absent, its own, a sibling choice, hostile, or many."""
    own = _own(form_field)
    one = st.one_of(st.sampled_from(own), HOSTILE_TEXT)
    return st.one_of(
        st.just([]),  # missing
        st.sampled_from(own).map(lambda v: [v]),
        one.map(lambda v: [v]),
        st.lists(one, min_size=2, max_size=4),  # a list where a scalar is expected
    )


@st.composite
def submissions(draw: st.DrawFn, fields: tuple[FormField, ...]) -> HostileSubmission:
    """A submission of the form with these fields, made hostile in a few ways at once,
    or (often) the form as the page gave it with one field made hostile, which gets
    past the form's own checks into the service."""
    fields = tuple(f for f in fields if f.name != "csrf_token")
    pairs: list[tuple[str, str]] = []
    if fields and draw(st.booleans()):
        bad = draw(st.sampled_from(fields))
        for form_field in fields:
            if form_field is bad:
                pairs.extend((bad.name, v) for v in draw(_field_values(bad)))
            else:
                pairs.append((form_field.name, draw(st.sampled_from(_own(form_field)))))
    else:
        for form_field in fields:
            pairs.extend((form_field.name, v) for v in draw(_field_values(form_field)))
        extras = draw(st.lists(st.tuples(FIELD_NAMES, HOSTILE_TEXT), max_size=3))
        pairs.extend((k, v) for k, v in extras if k != "csrf_token")
    content_type = draw(
        st.sampled_from(["form", "form", "form", "form", "multipart", "json", "text", "none"])
    )
    json_body = None
    if content_type == "json":
        names = [f.name for f in fields] or ["x"]
        json_body = draw(
            st.one_of(
                st.dictionaries(st.sampled_from(names), JSON_VALUES, max_size=len(names)),
                JSON_VALUES,
            )
        )
    return HostileSubmission(
        pairs=pairs,
        csrf=draw(st.sampled_from(["valid", "valid", "valid", "valid", "missing", "wrong", "two"])),
        content_type=content_type,
        query=draw(query_strings()) if draw(st.integers(0, 3)) == 0 else "",
        json_body=json_body,
    )


def _own(form_field: FormField) -> list[str]:
    return [form_field.value, *form_field.choices]


def encode_body(submission: HostileSubmission, token: str) -> tuple[bytes | dict[str, Any], dict]:
    """The request body and headers for a submission, with the CSRF token as it says."""
    pairs = list(submission.pairs)
    if submission.csrf == "valid":
        pairs.append(("csrf_token", token))
    elif submission.csrf == "wrong":
        pairs.append(("csrf_token", token[:-4] + "AAAA"))
    elif submission.csrf == "two":
        pairs.extend([("csrf_token", "forged"), ("csrf_token", token)])
    kind = submission.content_type
    if kind == "multipart":
        from werkzeug.datastructures import MultiDict

        return MultiDict([(printable(k), printable(v)) for k, v in pairs]), {}
    if kind == "json":
        # As the app's scripts send JSON: the token in a header, the body any JSON.
        headers = {"Content-Type": "application/json"}
        if submission.csrf != "missing":
            headers["X-CSRFToken"] = token if submission.csrf != "wrong" else "forged"
        return json.dumps(submission.json_body).encode(), headers
    body = urlencode(pairs).encode("ascii")
    if kind == "text":
        return body, {"Content-Type": "text/plain; charset=utf-8"}
    if kind == "none":
        return body, {}
    return body, {"Content-Type": "application/x-www-form-urlencoded"}


# --- socket payloads -------------------------------------------------------------

#: Room names whose key looks like an id to `str.isdigit` but is none a database holds.
NASTY_ROOMS = tuple(
    f"{kind}:{key}"
    for kind in ("consultation", "user", "tasks", "moderators")
    for key in ("²", "٣", "999999999999", "99999999999999999999", "-1", "0", "", "1.0")
)

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["consultation:1", "user:1", "moderators", "tasks", "x" * 5_000]),
)

#: Anything JSON can carry, nested a few levels.
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=10), children, max_size=4),
    ),
    max_leaves=12,
)


@st.composite
def socket_payloads(draw: st.DrawFn, keys: tuple[str, ...]) -> Any:
    """A payload for a socket event: often an object with the event's own keys (of
    the wrong types), or anything at all: non-objects, nested, huge, binary."""
    shaped = st.dictionaries(
        st.one_of(st.sampled_from(keys), st.text(max_size=8)), JSON_VALUES, max_size=5
    )
    huge = st.builds(
        lambda key, length: {key: "x" * length},
        st.sampled_from(keys),
        st.sampled_from([4_000, 5_000, 40_000]),
    )
    deep = st.integers(min_value=10, max_value=200).map(_nested)
    binary = st.binary(max_size=64)
    return draw(st.one_of(shaped, shaped, JSON_VALUES, huge, deep, binary))


def _nested(depth: int) -> Any:
    value: Any = "bottom"
    for n in range(depth):
        value = {"room": value} if n % 2 else [value]
    return value
