"""The checks a clause can bind to, by the name the standards file uses."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from townhall.moderation.standards.checks.finding import Check, Finding, Subject
from townhall.moderation.standards.checks.flags import CommunityFlags
from townhall.moderation.standards.checks.history import NewAccount, PostingRate, Repeat
from townhall.moderation.standards.checks.links import Links
from townhall.moderation.standards.checks.options import OptionError, Options
from townhall.moderation.standards.checks.personal_data import PersonalData
from townhall.moderation.standards.checks.quiet_period import QuietPeriod
from townhall.moderation.standards.checks.shape import Length, Shouting
from townhall.moderation.standards.checks.terms import BlockedTerms, Patterns
from townhall.moderation.standards.model import Settings

__all__ = ["CHECKS", "Check", "Finding", "OptionError", "Subject", "build_check"]

_Builder = Callable[[Options, Settings], Check]

#: Every check a standards file may name, in the order the documentation lists them.
CHECKS: dict[str, _Builder] = {
    check.name: check.from_options
    for check in (
        BlockedTerms,
        Patterns,
        PersonalData,
        Shouting,
        Links,
        Length,
        Repeat,
        PostingRate,
        NewAccount,
        QuietPeriod,
        CommunityFlags,
    )
}


def build_check(name: str, table: Mapping[str, Any], settings: Settings) -> Check:
    """Build the named check from its options; raise OptionError when either is wrong."""
    builder = CHECKS.get(name)
    if builder is None:
        raise OptionError(f"unknown check {name!r} (known: {', '.join(CHECKS)})")
    options = Options(name, table)
    check = builder(options, settings)
    options.finish()
    return check
