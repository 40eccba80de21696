"""Serving the Socket.IO browser client, installed from npm through package.json."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory

bp = Blueprint("live", __name__)

# The files the browser may ask for: the client and its source map, nothing else
# from node_modules.
CLIENT_FILES = frozenset({"socket.io.min.js", "socket.io.min.js.map"})


def client_folder() -> Path:
    """Where npm put the socket.io client's built files."""
    return Path(current_app.root_path).parent / "node_modules" / "socket.io-client" / "dist"


@bp.route("/live/<name>")
def client(name: str):
    """Serve the socket.io browser client (pages load it only when they have live rooms)."""
    if name not in CLIENT_FILES:
        abort(404)
    # A missing file (npm not run) is a 404: pages still work, only without live updates.
    return send_from_directory(client_folder(), name, max_age=7 * 24 * 3600)
