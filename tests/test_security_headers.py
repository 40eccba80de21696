"""Every response carries the security headers; no page needs an inline script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest


@pytest.mark.parametrize("path", ["/", "/sign-in", "/consultations", "/no-such-page"])
def test_headers_on_every_response(client, path):
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy
        and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_only_over_https(app, client):
    app.config["TOWNHALL_HTTPS"] = True
    assert "max-age=" in client.get("/").headers["Strict-Transport-Security"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def test_pages_have_no_inline_script_or_handler(client, create_consultation, create_user, sign_in):
    consultation = create_consultation()
    sign_in(consultation.created_by)
    for path in ["/", "/consultations", f"/consultations/{consultation.id}", "/account",
                 "/notifications", "/consultations/new"]:  # fmt: skip
        html = client.get(path).get_data(as_text=True)
        assert not INLINE_SCRIPT.search(html), path
        assert not INLINE_HANDLER.search(html), path


# --- every template and static file, read as source ------------------------------------

ROOT = Path(__file__).resolve().parents[1]
SOURCE_TREES = (ROOT / "templates", ROOT / "static")
# A tag with an on...= attribute (Jinja's {{ }} inside a tag holds no ">").
HANDLER_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*?[\s\"'/]on[a-z]+\s*=", re.IGNORECASE)
SCRIPT_URL = re.compile(r"(?:java|vb)script\s*:", re.IGNORECASE)
# Ways our own JavaScript could turn text into markup or code.
SCRIPT_SINKS = re.compile(
    r"\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML|document\.write|\beval\(|"
    r"new Function\(|setAttribute\(\s*[\"']on|\.srcdoc\s*=",
)


def _sources() -> list[Path]:
    return sorted(
        path
        for tree in SOURCE_TREES
        for path in tree.rglob("*")
        if path.is_file() and path.suffix in {".html", ".js", ".css", ".svg", ".txt", ".xml"}
    )


def source_problems(path: Path, text: str) -> list[str]:
    """What in one template or static file could run script that the CSP would refuse."""
    problems: list[str] = []
    if path.suffix in {".html", ".svg", ".xml"}:
        problems += [f"inline script: {m.group(0)}" for m in INLINE_SCRIPT.finditer(text)]
        problems += [
            f"handler attribute: {m.group(0)[-60:]}" for m in HANDLER_ATTRIBUTE.finditer(text)
        ]
    if path.suffix == ".js":
        problems += [f"markup or code from text: {m.group(0)}" for m in SCRIPT_SINKS.finditer(text)]
    problems += [f"script URL: {m.group(0)}" for m in SCRIPT_URL.finditer(text)]
    return problems


def test_no_template_or_static_file_has_inline_script_handlers_or_script_urls():
    files = _sources()
    assert len(files) > 50, "the walk found too few files: has the layout changed?"
    problems = [
        f"{path.relative_to(ROOT)}: {problem}"
        for path in files
        for problem in source_problems(path, path.read_text(encoding="utf-8"))
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("a.html", "<p>x</p><script>alert(1)</script>"),
        ("a.html", '<script type="module">\nalert(1)</script>'),
        ("a.html", '<button type="button" onclick="go()">x</button>'),
        ("a.html", '<body\n  onload="{{ x }}">'),
        ("a.html", "<img src=x/onerror=alert(1)>"),
        ("a.html", '<a href="javascript:void(0)">x</a>'),
        ("a.css", "p { background: url(JavaScript:alert(1)) }"),
        ("a.js", "element.innerHTML = text;"),
        ("a.js", "el.insertAdjacentHTML('beforeend', html)"),
        ("a.js", "el.setAttribute('onclick', code)"),
    ],
)
def test_the_source_walk_sees_what_it_forbids(name, text):
    assert source_problems(Path(name), text)


def test_the_source_walk_passes_what_is_allowed():
    allowed = '<script src="/static/js/x.js" defer></script><a href="/one" data-on="1">x</a>'
    assert source_problems(Path("a.html"), allowed) == []
    assert source_problems(Path("a.js"), "button.addEventListener('click', go);") == []


# --- the headers on every kind of response --------------------------------------------


def assert_security_headers(response, what: str) -> None:
    """The CSP (no inline or eval'd script, no plugins, no framing) and its companions."""
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives.get("script-src") == ["'self'"], (what, policy)
    assert directives.get("style-src") == ["'self'"], (what, policy)
    assert directives.get("object-src") == ["'none'"], (what, policy)
    assert directives.get("base-uri") == ["'self'"], (what, policy)
    assert directives.get("frame-ancestors") == ["'none'"], (what, policy)
    assert directives.get("default-src") == ["'self'"], (what, policy)
    assert response.headers.get("X-Content-Type-Options") == "nosniff", what
    assert response.headers.get("Referrer-Policy") == "same-origin", what
    assert response.headers.get("X-Frame-Options") == "DENY", what


@pytest.mark.parametrize(
    ("path", "status", "content_type"),
    [
        ("/", 200, "text/html"),
        ("/standards", 200, "text/html"),
        ("/consultations", 200, "text/html"),
        ("/api/v1/consultations", 200, "application/json"),
        ("/api/v1/openapi.json", 200, "application/json"),
        ("/api/v1/consultations/999999", 404, "application/problem+json"),
        ("/static/css/townhall.css", 200, "text/css"),
        ("/static/js/townhall.js", 200, "text/javascript"),
        ("/static/no-such-file.js", 404, "text/html"),
        ("/sw.js", 200, "text/javascript"),
        ("/live/socket.io.min.js", 200, "text/javascript"),
        ("/no-such-page", 404, "text/html"),
        ("/consultations/999999", 404, "text/html"),
    ],
)
def test_headers_on_every_kind_of_response(client, path, status, content_type):
    # Static files are streamed from disk: close the response so the file is closed.
    with client.get(path) as response:
        check_response(response, path, status, content_type)


def check_response(response, path: str, status: int, content_type: str) -> None:
    """The status, the exact content type (nosniff trusts it) and the security headers."""
    assert response.status_code == status, path
    # nosniff makes browsers trust this type, so it must be the right one.
    kind = response.content_type.split(";")[0]
    assert kind == content_type or (
        content_type == "text/javascript" and kind == "application/javascript"
    ), (path, response.content_type)
    if kind.startswith("text/"):
        assert "charset=utf-8" in response.content_type.lower(), (path, response.content_type)
    assert_security_headers(response, path)


def test_headers_on_a_request_too_large(client):
    response = client.post(
        "/sign-in",
        data={"email": "x" * (3 * 1024 * 1024)},
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert response.content_type.startswith("text/html")
    assert_security_headers(response, "413")


def test_headers_on_a_wrong_method(client):
    response = client.delete("/consultations")
    assert response.status_code == 405
    assert_security_headers(response, "405")
