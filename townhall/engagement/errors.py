"""The engagement module's refusals, each a typed error with a message for people."""

from __future__ import annotations


class EngagementError(Exception):
    """A refusal from the engagement service; `str(error)` is shown to the person."""


class PlanInvalid(EngagementError):
    """A plan, objective, channel choice, role or project that cannot be accepted."""


class AreaNotFound(EngagementError):
    """A plan named an area that does not exist (or has been retired)."""


class KpiInvalid(EngagementError):
    """A KPI without a target or period, or with a target of the wrong kind."""


class ReportNotReady(EngagementError):
    """A report was asked for a consultation that has not closed."""
