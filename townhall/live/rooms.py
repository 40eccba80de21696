"""The kinds of room a socket may join, and who may join each.

A room's name is `<kind>` or `<kind>:<key>` (`consultation:12`, `user:7`,
`moderators`). Live knows no domain: each module that owns a kind of room registers
it here with a `can_join(user, key)` check, in any order, before or after
`live.init_app` runs. A room whose kind nobody registered cannot be joined.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Room names are short and plain, so a malformed one is refused before any lookup.
ROOM_NAME = re.compile(r"^(?P<kind>[a-z][a-z_]{0,30})(?::(?P<key>[A-Za-z0-9_-]{1,40}))?$")

CanJoin = Callable[[Any, str | None], bool]


@dataclass(frozen=True)
class RoomKind:
    """A kind of room: its name, whether it takes a key, and who may join one."""

    kind: str
    can_join: CanJoin
    keyed: bool = True


_kinds: dict[str, RoomKind] = {}

#: Rules every join must pass besides its room kind's own check: `rule(user, room)`.
#: Modules above live use them for what bars a person from rooms of every kind
#: (moderation: a suspended person follows only their own room).
JoinRule = Callable[[Any, str], bool]
_join_rules: list[JoinRule] = []


def register_join_rule(rule: JoinRule) -> None:
    """Make every join also pass `rule(user, room)` (once, however often called)."""
    if rule not in _join_rules:
        _join_rules.append(rule)


def register_room_kind(kind: str, can_join: CanJoin, *, keyed: bool = True) -> None:
    """Let sockets join rooms of `kind` when `can_join(user, key)` says yes.

    `keyed` kinds are named `kind:key` (the key is passed to `can_join`); unkeyed
    ones are the single room `kind` (the key passed is None). Registering a kind
    again replaces it, so an app created twice (as tests do) is harmless.
    """
    if not re.fullmatch(r"[a-z][a-z_]{0,30}", kind):
        raise ValueError(f"room kind {kind!r} must be lower-case letters and underscores")
    _kinds[kind] = RoomKind(kind, can_join, keyed)


def room_kinds() -> dict[str, RoomKind]:
    """The registered kinds of room, by name."""
    return dict(_kinds)


class UnknownRoom(ValueError):
    """The room's name is malformed or its kind is not registered."""


def parse_room(name: Any) -> tuple[RoomKind, str | None]:
    """Split a room's name into its registered kind and key; raise UnknownRoom."""
    if not isinstance(name, str):
        raise UnknownRoom("A room is named by a string.")
    match = ROOM_NAME.match(name)
    if match is None:
        raise UnknownRoom("There is no such room.")
    kind = _kinds.get(match["kind"])
    key = match["key"]
    if kind is None or kind.keyed != (key is not None):
        raise UnknownRoom("There is no such room.")
    return kind, key


def may_join(user: Any, name: str) -> bool:
    """Whether `user` may join the room `name`; raise UnknownRoom for a room that cannot be."""
    kind, key = parse_room(name)
    return bool(kind.can_join(user, key)) and all(rule(user, name) for rule in _join_rules)


def user_room(user_id: int) -> str:
    """The room of one person's own events (their notifications, their sign-out)."""
    return f"user:{user_id}"


MODERATORS_ROOM = "moderators"
