"""Live updates: Socket.IO rooms, events published after commit, catch-up, coalescing.

Live knows no domain. Domains register the kinds of room they own and hand live plain
events; live numbers them per room, keeps the recent ones for clients that reconnect,
and emits them to the room's sockets (through Redis to every process when REDIS_URL
is set). The API, all importable from `townhall.live`:

Rooms
    `register_room_kind(kind, can_join, keyed=True)`: rooms `kind:<key>` may be joined
    by a socket whose `current_user` passes `can_join(user, key)`. Live registers
    `user:<id>` (only that person) and `moderators` (Permission.MODERATE);
    consultations registers `consultation:<id>` (consultations.permissions.can_read).
    `user_room(id)`, `MODERATORS_ROOM` name the built-in rooms.
    `register_join_rule(rule)`: every join must also pass `rule(user, room)`, for what
    bars a person from rooms of every kind (moderation: a suspension).

Publishing (inside the service, before the commit; sent only if it commits)
    `publish(room, event, data)`: one event to everyone in the room. `data` is a dict
    of JSON values that every member of the room may see: ids and public facts,
    never anything personal (clients fetch personal HTML over HTTP with their session).
    `publish_coalesced(room, key, event, data_or_loader)`: for bursty state such as
    tallies and reaction counts: at most one message per key every 0.25 s per process,
    and the newest state always last. Pass a loader (a function returning the dict,
    run in an app context when sent) so the message reads the state when it is sent.
    `publish_to_users(user_ids, event, data)`: to each person's own room.
    `publish_now(room, event, data)`: at once, for events with no transaction.

Socket actions and sign-out
    `register_action(name, handler, sign_in_required=True)`: clients may emit `name`
    with a small object; `handler(user, data)` returns the ack dict or raises
    `ActionRefused(message, code)`. `disconnect_user(user_id)` closes every socket of
    that person, on every process; signing out does it (Flask-Login's signal).
    `disconnect_after_commit(user_id)`: the same, once the transaction commits.

Membership follows access
    Whether a socket may be in a room is checked when it joins. Whatever reduces what
    a person may read closes their sockets after it commits: a role that loses a
    permission, ended sessions or a disabled account (accounts' `access_reduced`
    signal), a suspension (moderation calls `disconnect_after_commit`). Their pages
    reconnect and join again, and a room they may no longer read refuses them.

What clients see (static/js/live.js applies it)
    Each event arrives as the Socket.IO event `event` with `{room, id, data, key}`;
    `id` increases per room. A page names its rooms and their last ids with
    `data-live-room` and `data-live-last` (template global `live_last_id(room)`);
    the client joins with `{room, last_id}` and its ack holds the missed `events`, or
    `reload: true` when it is too far behind. Data keys the client applies for any
    event: `announce` (text for the polite live region), `refresh` (names of page
    parts, `data-live-part`, to fetch again and swap when not being edited) and
    `counts` (`{name: number}` for elements `data-live-count="name"`).
    Refusals come as the event `live_error` `{error, message, event}`.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from townhall.live.events import ActionRefused, register_action
from townhall.live.publish import (
    last_event_id,
    publish,
    publish_coalesced,
    publish_now,
    publish_to_users,
    state,
)
from townhall.live.rooms import (
    MODERATORS_ROOM,
    register_join_rule,
    register_room_kind,
    user_room,
)

__all__ = [
    "MODERATORS_ROOM",
    "ActionRefused",
    "disconnect_after_commit",
    "disconnect_user",
    "init_app",
    "last_event_id",
    "publish",
    "publish_coalesced",
    "publish_now",
    "publish_to_users",
    "register_action",
    "register_join_rule",
    "register_room_kind",
    "state",
    "user_room",
]


def _is_that_person(user: Any, key: str | None) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and key is not None and str(user.id) == key
    )


def _is_moderator(user: Any, key: str | None) -> bool:
    from townhall.accounts.permissions import Permission, has_permission

    return has_permission(user, Permission.MODERATE)


def disconnect_user(user_id: int, app: Flask | None = None) -> int:
    """Close every socket of `user_id`, on every process; return how many were asked.

    With Redis, a socket on another process is closed through the message queue.
    Failures are logged: signing out must never fail because live is down.
    """
    import logging

    from townhall.extensions import socketio

    try:
        store = state(app).store
        sids = store.sockets_of(user_id)
        for sid in sids:
            socketio.server.disconnect(sid, namespace="/")
            store.remove_socket(user_id, sid)
        return len(sids)
    except Exception:
        logging.getLogger(__name__).exception("could not disconnect user %s", user_id)
        return 0


def disconnect_after_commit(user_id: int, *, session: Any = None) -> None:
    """Close every socket of `user_id` once the transaction commits; not on rollback.

    For a change that reduces what the person may read (a suspension): their pages
    reconnect and rejoin only the rooms they may read after it.
    """
    from functools import partial

    from flask import current_app

    from townhall.database import on_commit
    from townhall.extensions import db

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    on_commit(session or db.session, partial(disconnect_user, user_id, app))


def _disconnect_on_access_reduced(
    sender: Any, user_id: int | None = None, reason: Any = None, **extra: Any
) -> None:
    """Accounts' `access_reduced` signal (sent after commit): close the person's sockets.

    Their rooms were checked when they joined; reconnecting checks them again.
    """
    import logging

    if user_id is not None:
        closed = disconnect_user(user_id, sender if isinstance(sender, Flask) else None)
        logging.getLogger(__name__).info(
            "live: access of user %s reduced (%s): closed %d socket(s)", user_id, reason, closed
        )


def _disconnect_on_sign_out(sender: Any, user: Any = None, **extra: Any) -> None:
    """Flask-Login's `user_logged_out` signal: close the person's sockets.

    A signal rather than a call from accounts, which sits below live in the imports.
    """
    if user is not None and getattr(user, "id", None) is not None:
        disconnect_user(user.id)


def init_app(app: Flask) -> None:
    """Set up live updates: the store, the socket handlers, the client route."""
    from flask_login import user_logged_out

    from townhall.accounts.signals import access_reduced
    from townhall.extensions import socketio
    from townhall.live.events import MAX_FRAME_BYTES, register_handlers
    from townhall.live.publish import EXTENSION_KEY, LiveState
    from townhall.live.store import MemoryStore, RedisStore
    from townhall.live.views import bp

    redis_url = app.config.get("SOCKETIO_MESSAGE_QUEUE")
    channel = app.config.get("SOCKETIO_CHANNEL") or "flask-socketio"
    store = RedisStore(redis_url, prefix=f"{channel}:live:") if redis_url else MemoryStore()
    app.extensions[EXTENSION_KEY] = LiveState(
        app, store, app.config.get("TOWNHALL_LIVE_COALESCE_SECONDS", 0.25)
    )
    register_room_kind("user", _is_that_person)
    register_room_kind("moderators", _is_moderator, keyed=False)
    if socketio.server is not None:
        # A frame larger than this closes the connection at the transport; smaller
        # oversized payloads get an error event (events.MAX_PAYLOAD_BYTES).
        socketio.server.eio.max_http_buffer_size = MAX_FRAME_BYTES
        register_handlers(socketio)
    # Connected once per process (blinker ignores a second connect of one function).
    user_logged_out.connect(_disconnect_on_sign_out)
    access_reduced.connect(_disconnect_on_access_reduced)
    app.register_blueprint(bp)
    app.add_template_global(last_event_id, "live_last_id")
