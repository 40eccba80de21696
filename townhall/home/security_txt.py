"""/.well-known/security.txt (RFC 9116): where to report a vulnerability."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, current_app

from townhall.database import utcnow

bp = Blueprint("security_txt", __name__)

# RFC 9116 asks for an Expires under a year away; the file is made on each request,
# so it never goes stale while the contact setting stays.
VALID_FOR = timedelta(days=180)


def security_txt_lines(contact: str, base_url: str) -> list[str]:
    """The fields of the council's security.txt, in RFC 9116's order of importance."""
    expires = (utcnow() + VALID_FOR).replace(microsecond=0)
    base = base_url.rstrip("/")
    return [
        f"Contact: {contact}",
        f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "Preferred-Languages: en",
        f"Canonical: {base}/.well-known/security.txt",
    ]


@bp.route("/.well-known/security.txt")
def security_txt() -> Response:
    """The council's published security contact; 404 when none is configured."""
    contact = current_app.config.get("TOWNHALL_SECURITY_CONTACT")
    if not contact:
        abort(404)
    lines = security_txt_lines(contact, current_app.config["TOWNHALL_BASE_URL"])
    return Response("\n".join(lines) + "\n", mimetype="text/plain")
