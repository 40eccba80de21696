"""Links that work both in a request and outside one (commands, scheduled work)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def link_to(endpoint: str, *, external: bool = False, **values: Any) -> str:
    """Build a URL for `endpoint`; outside a request, relative to TOWNHALL_BASE_URL."""
    if has_request_context():
        return url_for(endpoint, _external=external, **values)
    with current_app.test_request_context(base_url=current_app.config["TOWNHALL_BASE_URL"]):
        return url_for(endpoint, _external=external, **values)


def on_site_path(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None, so a `next` field or
    parameter can never send anyone away (no scheme, no host, no `//host`)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
