"""Socket.IO handlers: connecting, joining and leaving rooms with catch-up, socket
actions that domains register, and refusals of bad input.

A socket is authenticated by the same session as the pages (Flask-Login's
`current_user` in every handler). Every refusal is an `live_error` event to that
socket, and a log line; nothing a client sends can stop the server.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, request
from flask_login import current_user
from flask_socketio import SocketIO, emit, join_room, leave_room

from townhall.extensions import TOO_DEEP_EVENT
from townhall.json_input import JsonTooDeep
from townhall.live.publish import EVENT_NAME, state
from townhall.live.rooms import UnknownRoom, may_join, user_room

log = logging.getLogger(__name__)

# What a client may send in one event; anything longer is refused with an error.
# (The transport itself cuts frames over MAX_FRAME_BYTES and drops the connection.)
MAX_PAYLOAD_BYTES = 4 * 1024
MAX_FRAME_BYTES = 64 * 1024


@dataclass(frozen=True)
class SocketAction:
    """Something a client may ask for over the socket, registered by a domain."""

    name: str
    handler: Callable[[Any, dict[str, Any]], dict[str, Any] | None]
    sign_in_required: bool = True


_actions: dict[str, SocketAction] = {}


def register_action(
    name: str,
    handler: Callable[[Any, dict[str, Any]], dict[str, Any] | None],
    *,
    sign_in_required: bool = True,
) -> None:
    """Let clients send `name` with a dict; `handler(user, data)` returns the ack.

    The handler loads, checks permission, calls one service and commits, as a view
    does; raising `ActionRefused` answers the client with its message. Payloads are
    checked for shape and size, and anonymous sockets refused, before it is called.
    """
    if not EVENT_NAME.match(name) or name in ("join", "leave"):
        raise ValueError(f"bad socket action name {name!r}")
    _actions[name] = SocketAction(name, handler, sign_in_required)


def unregister_action(name: str) -> None:
    """Remove a socket action (for tests)."""
    _actions.pop(name, None)


class ActionRefused(Exception):
    """A socket request that cannot be done; the message says why, and a code what."""

    def __init__(self, message: str, code: str = "refused") -> None:
        super().__init__(message)
        self.code = code


def _who() -> str:
    user_id = current_user.get_id() if current_user.is_authenticated else "anonymous"
    return f"sid={getattr(request, 'sid', '?')} user={user_id}"


def refuse(code: str, message: str, event: str | None = None) -> dict[str, Any]:
    """Tell this socket why its request was refused, log it, and return the ack."""
    log.warning("live: refused %s (%s) from %s: %s", event or "?", code, _who(), message)
    answer = {"ok": False, "error": code, "message": message, "event": event}
    emit("live_error", answer)
    return answer


def _payload(data: Any, event: str) -> dict[str, Any]:
    """Check a client's payload: a small JSON object. Raise ActionRefused."""
    if not isinstance(data, dict):
        raise ActionRefused("Send an object.", "malformed")
    try:
        size = len(json.dumps(data, separators=(",", ":")))
    except (TypeError, ValueError):
        raise ActionRefused("Send plain JSON.", "malformed") from None
    if size > MAX_PAYLOAD_BYTES:
        raise ActionRefused(f"That is too large ({size} bytes).", "too_large")
    return data


def _join(data: Any) -> dict[str, Any]:
    """Join a room the reader may read, and hand back what they missed."""
    payload = _payload(data, "join")
    room, last_id = payload.get("room"), payload.get("last_id")
    if last_id is not None and (
        not isinstance(last_id, int) or isinstance(last_id, bool) or last_id < 0
    ):
        raise ActionRefused("last_id must be a whole number.", "malformed")
    try:
        allowed = may_join(current_user, room)
    except UnknownRoom as error:
        raise ActionRefused(str(error), "unknown_room") from None
    if not allowed:
        # Refused and unknown look the same, so a hidden consultation stays hidden.
        raise ActionRefused("There is no such room.", "unknown_room")
    # Join first, then read what was missed: anything published in between arrives
    # both ways and the client drops the duplicate by its id; nothing falls between.
    if not _enter(room):
        log.info("live: %s closed before joining %s", _who(), room)
        return {
            "ok": False,
            "error": "closed",
            "message": "This connection has closed.",
            "event": "join",
        }
    store = state().store
    answer: dict[str, Any] = {"ok": True, "room": room, "last_id": store.last_id(room)}
    if last_id is not None:
        missed = store.since(room, last_id)
        if missed is None:
            answer["reload"] = True
        else:
            answer["events"] = missed
    return answer


def _enter(room: str) -> bool:
    """Put this socket in `room`; False when it disconnected while its join was checked.

    A reader leaving a page closes its socket while a join sent a moment earlier may
    still be running. python-socketio forgets a socket as it disconnects, and entering a
    room then raises (KeyError, or ValueError for the namespace's last socket) after
    leaving an empty room behind; so a socket that is gone is not entered, and one
    that goes between the check and the entering is refused all the same.
    """
    server = current_app.extensions["socketio"].server
    if not server.manager.is_connected(request.sid, request.namespace):
        return False
    try:
        join_room(room)
    except (KeyError, ValueError):
        return False
    return True


def _leave(data: Any) -> dict[str, Any]:
    payload = _payload(data, "leave")
    room = payload.get("room")
    if not isinstance(room, str) or len(room) > 80:
        raise ActionRefused("Name the room to leave.", "malformed")
    leave_room(room)
    return {"ok": True, "room": room}


def _run(event: str, work: Callable[[], dict[str, Any] | None]) -> dict[str, Any] | None:
    try:
        return work()
    except ActionRefused as error:
        return refuse(error.code, str(error), event)


def register_handlers(socketio: SocketIO) -> None:
    """Attach the live handlers to the app's Socket.IO server (once per process)."""

    @socketio.on("connect")
    def connect(auth: Any = None) -> bool:
        """Accept the socket; a signed-in person's joins their own room."""
        if current_user.is_authenticated:
            join_room(user_room(current_user.id))
            try:
                state().store.add_socket(current_user.id, request.sid)
            except Exception:  # Redis down: the socket still works, sign-out is local
                log.exception("live: could not record socket of user %s", current_user.id)
        return True

    @socketio.on("disconnect")
    def disconnect(reason: Any = None) -> None:
        """Forget a closed socket."""
        if current_user.is_authenticated:
            try:
                state().store.remove_socket(current_user.id, request.sid)
            except Exception:
                log.exception("live: could not forget socket of user %s", current_user.id)

    @socketio.on("join")
    def join(data: Any = None) -> dict[str, Any] | None:
        """Join a room: `{room, last_id}`; the ack carries missed events or `reload`."""
        return _run("join", lambda: _join(data))

    @socketio.on("leave")
    def leave(data: Any = None) -> dict[str, Any] | None:
        """Leave a room: `{room}`."""
        return _run("leave", lambda: _leave(data))

    @socketio.on(TOO_DEEP_EVENT)
    def too_deep(*_args: Any) -> dict[str, Any]:
        """Refuse an event nested too deeply to read (its packet was read as this one)."""
        return refuse("too_deep", str(JsonTooDeep()))

    @socketio.on("*")
    def any_other(event: Any, *args: Any) -> dict[str, Any] | None:
        """Dispatch a registered socket action; refuse anything else."""
        name = event if isinstance(event, str) else "?"
        action = _actions.get(name)
        if action is None:
            return refuse("unknown_event", "There is no such event.", name[:60])
        if action.sign_in_required and not current_user.is_authenticated:
            return refuse("sign_in_required", "Sign in to do that.", name)
        data = args[0] if len(args) == 1 else None
        return _run(name, lambda: action.handler(current_user, _payload(data, name)))

    @socketio.on_error_default
    def on_error(error: Exception) -> dict[str, Any]:
        """Log a handler's failure and tell its socket; the server carries on."""
        log.exception("live: handler failed for %s", _who(), exc_info=error)
        from townhall.extensions import db

        db.session.rollback()
        return refuse("server_error", "Something went wrong; try again.")
