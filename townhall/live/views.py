"""Serving the Socket.IO browser client, installed from npm through package.json."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Blueprint, abort, current_app, request

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
    data = _read_client_file(str(client_folder() / name))
    if data is None:
        abort(404)
    # Served from memory, not an open file: a browser that drops the request halfway
    # leaves no file handle behind.
    response = current_app.response_class(
        data, mimetype="application/json" if name.endswith(".map") else "text/javascript"
    )
    response.set_etag(hashlib.sha256(data).hexdigest())
    response.cache_control.public = True
    response.cache_control.max_age = 7 * 24 * 3600
    return response.make_conditional(request)


@cache
def _read_client_file(path: str) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except OSError:
        return None
