"""The errors places' services raise; each message is written for the person concerned."""

from __future__ import annotations


class PlaceError(Exception):
    """Something about places that cannot be done; `status` is the HTTP answer for it."""

    status = 400


class PlaceInvalid(PlaceError):
    """A place's details are not acceptable."""


class UnknownCode(PlaceError):
    """A check-in code that is not one of ours (made up, tampered with, or retired)."""

    status = 404


class PositionInvalid(PlaceError):
    """A position that is not on Earth, or not a number."""


class TooFar(PlaceError):
    """A check-in from further away than the place allows."""

    status = 403


class TooSoon(PlaceError):
    """Nearby mode asked again before a minute had passed."""

    status = 429


class TaskInvalid(PlaceError):
    """A task's details are not acceptable, or it is for a place that does not exist."""


class TaskRefused(PlaceError):
    """A task cannot be accepted, completed or handed back by this person now."""

    status = 409


class TaskNotYours(TaskRefused):
    """A task set for (or held by) someone else, or a person who is not on the staff."""

    status = 403


class AreaInvalid(PlaceError):
    """A saved area with a bad radius, position or place."""


class PushInvalid(PlaceError):
    """A push subscription that is not a usable Web Push subscription."""
