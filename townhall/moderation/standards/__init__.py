"""Channel standards as data, and the pure rule engine that holds posts to them.

Standard library only: no Flask, no database, so the app, the dry-run command
line (`python -m townhall.moderation`) and the tests share one engine.

    standards = load_standards(path)          # at start-up; StandardsError stops the app
    author = AuthorContext(role="citizen", approved_posts=4, recent_posts=(...), now=now)
    decision = check_post(standards, Post(text, "comment", author))
    decision.action        # Action.ALLOW / REVIEW / REDACT / HOLD / REJECT
    decision.clauses       # every clause broken: number, title, reasons, spans
    decision.text          # the text as it would be published, redactions applied
"""

from townhall.moderation.standards.engine import check_flags, check_post, redact
from townhall.moderation.standards.loader import (
    DEFAULT_STANDARDS,
    load_default_standards,
    load_standards,
    parse_standards,
)
from townhall.moderation.standards.model import (
    ROLES,
    Action,
    AuthorContext,
    Clause,
    ClauseHit,
    Decision,
    Post,
    RecentPost,
    Settings,
    Span,
    Standards,
    StandardsError,
    UnknownKind,
)

__all__ = [
    "DEFAULT_STANDARDS",
    "ROLES",
    "Action",
    "AuthorContext",
    "Clause",
    "ClauseHit",
    "Decision",
    "Post",
    "RecentPost",
    "Settings",
    "Span",
    "Standards",
    "StandardsError",
    "UnknownKind",
    "check_flags",
    "check_post",
    "load_default_standards",
    "load_standards",
    "parse_standards",
    "redact",
]
