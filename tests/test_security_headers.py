"""Every response carries the security headers; no page needs an inline script."""

from __future__ import annotations

import re

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
