"""Community flags: how many distinct people flagging a post hide it."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from townhall.moderation.standards.checks.finding import Finding, Subject
from townhall.moderation.standards.checks.options import Options
from townhall.moderation.standards.model import Settings


class CommunityFlags:
    """Binds a clause to community flags; posts are judged by `engine.check_flags`, not here.

    The threshold is the settings' `flag_threshold`, so there is one number to change.
    """

    name: ClassVar[str] = "community_flags"
    finds_text: ClassVar[bool] = False
    window: timedelta | None = None

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold

    @classmethod
    def from_options(cls, options: Options, settings: Settings) -> CommunityFlags:
        """Build from the settings' `flag_threshold`; the check takes no options."""
        return cls(settings.flag_threshold)

    def find(self, subject: Subject) -> Finding | None:
        """Never find anything in a new post: flags come after publication."""
        return None
