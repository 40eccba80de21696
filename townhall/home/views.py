"""The home page, and the site's icon where browsers look for it."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, send_from_directory
from flask_login import current_user

from townhall.consultations.service import open_consultations

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    """Show what is open for people to take part in."""
    return render_template("home/index.html", open_consultations=open_consultations(current_user))


@bp.route("/favicon.ico")
def favicon() -> Response:
    """Serve the site's icon at the address browsers ask for whatever the page links."""
    return send_from_directory(
        current_app.static_folder or "static",
        "favicon.ico",
        mimetype="image/vnd.microsoft.icon",
        max_age=7 * 24 * 3600,  # a week: the icon seldom changes, and every page asks
    )
