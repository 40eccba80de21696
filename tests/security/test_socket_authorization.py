"""Every room kind and socket action by role, through real python-socketio clients.

The rows come from authorization_matrix.py; the kinds and actions from the live
registries, so a new kind of room or a new action without a row fails, naming it.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.live.conftest import Recorder, close_all, session_cookie
from tests.security import test_authorization_matrix as matrix
from tests.security.authorization_matrix import (
    ACTION_ROWS,
    JOINED,
    OK,
    REFUSED,
    ROLES,
    ROOM_ROWS,
)
from tests.security.authorization_world import World
from townhall.live.events import _actions
from townhall.live.rooms import room_kinds

Visitor = matrix.Visitor
world = matrix.world  # the same fixture: the world, built once for the test


def test_every_room_kind_and_action_has_rows(app: Flask) -> None:
    """A new room kind or socket action with no row fails; so does a row for a gone one."""
    kinds, rows = set(room_kinds()), {row.kind for row in ROOM_ROWS}
    actions, action_rows = set(_actions), {row.name for row in ACTION_ROWS}
    problems = [f"no row for room kind {k}" for k in sorted(kinds - rows)]
    problems += [f"a row for room kind {k}, which is not registered" for k in sorted(rows - kinds)]
    problems += [f"no row for socket action {a}" for a in sorted(actions - action_rows)]
    problems += [
        f"a row for socket action {a}, which is not registered"
        for a in sorted(action_rows - actions)
    ]
    assert not problems, "\n".join(problems)


def joined(answer: Any) -> str:
    """What a join's acknowledgement means."""
    if isinstance(answer, dict) and answer.get("ok") is True:
        return JOINED
    if isinstance(answer, dict) and answer.get("error") == "unknown_room":
        return REFUSED
    return f"unexpected answer {answer!r}"


def acted(answer: Any) -> str:
    """What an action's acknowledgement means: ok, or its error code."""
    if isinstance(answer, dict) and answer.get("ok") is False:
        return str(answer.get("error"))
    return OK if isinstance(answer, dict) else f"unexpected answer {answer!r}"


def test_socket_matrix(app: Flask, world: World, live_server: str) -> None:
    """Each role, on its own socket, joins exactly the rooms and does exactly the actions
    the table gives."""
    sockets: list[Recorder] = []
    failures = []
    try:
        for role in ROLES:
            user = world.actor(role)
            cookie = None
            if user is not None:
                cookie = session_cookie(Visitor(app, role, user, None).client)
            socket = Recorder(live_server, cookie)
            sockets.append(socket)
            socket.connect()
            for row in ROOM_ROWS:
                room = row.room.format(w=world, own=user or world.other)
                got = joined(socket.join(room))
                if got != row.expect[role]:
                    case = f" [{row.case}]" if row.case else ""
                    failures.append(
                        f"join {row.kind}{case} {room} as {role}: "
                        f"expected {row.expect[role]}, got {got}"
                    )
            for action in ACTION_ROWS:
                got = acted(socket.call(action.name, action.data))
                if got != action.expect[role]:
                    failures.append(
                        f"{action.name} as {role}: expected {action.expect[role]}, got {got}"
                    )
    finally:
        close_all(sockets)
    assert not failures, f"{len(failures)} mismatches:\n" + "\n".join(failures)
