"""The yardstick for bench_live: a bare Flask-SocketIO server that only broadcasts.

Same stack as Townhall (threading mode, simple-websocket, gunicorn with threads),
with none of its work: a POST to /broadcast?n=N emits `tick` {n} to every client.
Served by `gunicorn -w 1 --threads 1100 bench.live_bare:app`.
"""

from __future__ import annotations

from flask import Flask, request
from flask_socketio import SocketIO

app = Flask(__name__)
socketio = SocketIO(app, async_mode="threading", cors_allowed_origins=None)


@app.post("/broadcast")
def broadcast():
    """Emit one `tick` to every connected client."""
    socketio.emit("tick", {"n": int(request.args.get("n", "0"))})
    return "", 204
