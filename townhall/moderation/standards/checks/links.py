"""Links: how many a post carries and where they go."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from townhall.moderation.standards.checks.finding import Finding, Subject
from townhall.moderation.standards.checks.options import OptionError, Options
from townhall.moderation.standards.checks.urls import link_host
from townhall.moderation.standards.model import Settings, Span


def _in_domains(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


class Links:
    """Finds links to denied domains, or more links than allowed (allowed domains not counted)."""

    name: ClassVar[str] = "links"
    finds_text: ClassVar[bool] = True
    window: timedelta | None = None

    def __init__(
        self,
        max_links: int | None = None,
        allowed_domains: tuple[str, ...] = (),
        denied_domains: tuple[str, ...] = (),
    ) -> None:
        if max_links is None and not denied_domains:
            raise OptionError(f"{self.name}: needs max_links, denied_domains or both")
        self._max = max_links
        self._allowed = tuple(d.lower().removeprefix("www.") for d in allowed_domains)
        self._denied = tuple(d.lower().removeprefix("www.") for d in denied_domains)

    @classmethod
    def from_options(cls, options: Options, settings: Settings) -> Links:
        """Build from `max_links`, `allowed_domains` and `denied_domains`."""
        return cls(
            options.integer("max_links"),
            options.strings("allowed_domains"),
            options.strings("denied_domains"),
        )

    def find(self, subject: Subject) -> Finding | None:
        """Return the denied links, or all counted links when there are too many."""
        counted: list[Span] = []
        denied: list[Span] = []
        for span, host in subject.links:
            if _in_domains(host, self._denied):
                denied.append(span)
            if not _in_domains(host, self._allowed):
                counted.append(span)
        reasons = [f"link to {link_host(s.text)}" for s in denied]
        if self._max is not None and len(counted) > self._max:
            reasons.append(f"{len(counted)} links (at most {self._max})")
            denied.extend(s for s in counted if s not in denied)
        return Finding(tuple(reasons), tuple(denied)) if reasons else None
