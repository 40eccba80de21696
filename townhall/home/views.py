"""The home page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from townhall.consultations.service import open_consultations

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    """Show what is open for people to take part in."""
    return render_template("home/index.html", open_consultations=open_consultations(current_user))
