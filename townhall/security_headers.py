"""Headers that tell browsers what this site may do: the Content-Security-Policy and friends.

No inline script is allowed anywhere: every script is a file under static/ or a
package from node_modules served by the app, so an injected <script> or on* handler
cannot run even if it ever got past the sanitiser.

A signed-in person's responses are theirs alone (their account, a new API token shown
once, their data export), so none may be kept by a browser's or a proxy's cache for
the next person at a shared computer: they carry `Cache-Control: no-store`.
"""

from __future__ import annotations

from flask import Flask, Response, g, session

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # No inline styles either: nothing of ours uses them (charts use presentation
        # attributes), and injected CSS can read a page's secrets through selectors.
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(self)",
}


PRIVATE_CACHE_CONTROL = "no-store"


def signed_in_request() -> bool:
    """Whether this request came from (or just made) a signed-in session.

    Read from the session and from Flask-Login's per-request user, so a static file
    costs no database query and a remember-me sign-in counts as soon as it happens.
    """
    user = g.get("_login_user")
    if user is not None and user.is_authenticated:
        return True
    return session.get("_user_id") is not None


def register_security_headers(app: Flask) -> None:
    """Add the headers to every response (without overriding one a view set itself)."""

    @app.after_request
    def add_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if signed_in_request():
            # Not setdefault: a view's "public, max-age" must not reach a private page.
            response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
        if app.config.get("TOWNHALL_HTTPS"):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response
