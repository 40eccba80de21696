"""The rule engine: hold one post to the standards and decide what happens to it."""

from __future__ import annotations

from townhall.moderation.standards.checks import Subject
from townhall.moderation.standards.checks.flags import CommunityFlags
from townhall.moderation.standards.model import (
    Action,
    ClauseHit,
    Decision,
    Post,
    Span,
    Standards,
    UnknownKind,
)


def check_post(standards: Standards, post: Post) -> Decision:
    """Hold a post to every clause that applies to its kind and author's role.

    The decision takes the strictest action of the clauses broken and names
    each of them in the standards' order. Its text has the matches of every
    redact clause replaced. Raises UnknownKind when the standards do not speak
    about the post's kind.
    """
    if post.kind not in standards.settings.kinds:
        raise UnknownKind(
            f"unknown kind {post.kind!r} (known: {', '.join(standards.settings.kinds)})"
        )
    subject = Subject(post)
    hits: list[ClauseHit] = []
    redactions: list[tuple[Span, str]] = []
    for clause in standards.clauses_for(post.kind, post.author.role):
        findings = []
        for check in clause.checks:
            finding = check.find(subject)
            if finding is not None:
                findings.append(finding)
        if not findings:
            continue
        reasons = tuple(reason for f in findings for reason in f.reasons)
        spans = tuple(sorted({s for f in findings for s in f.spans}, key=_position))
        hits.append(
            ClauseHit(
                clause.number, clause.title, clause.action, reasons, spans, clause.explanation
            )
        )
        if clause.action is Action.REDACT:
            replacement = clause.replacement or standards.settings.redaction
            redactions.extend((span, replacement) for span in spans)
    action = max((hit.action for hit in hits), key=lambda a: a.strictness, default=Action.ALLOW)
    return Decision(action, tuple(hits), redact(post.text, redactions))


def _position(span: Span) -> tuple[int, int]:
    return span.start, span.end


def redact(text: str, redactions: list[tuple[Span, str]]) -> str:
    """Replace each span with its replacement; overlapping spans become one replacement."""
    if not redactions:
        return text
    pieces: list[str] = []
    position = 0
    for span, replacement in sorted(redactions, key=lambda r: (r[0].start, -r[0].end)):
        if span.start < position:
            # Overlaps the span just replaced (a phone number inside an address):
            # swallow whatever of it sticks out, once.
            if span.end > position:
                position = span.end
            continue
        pieces.append(text[position : span.start])
        pieces.append(replacement)
        position = span.end
    pieces.append(text[position:])
    return "".join(pieces)


def check_flags(standards: Standards, flaggers: int, kind: str | None = None) -> ClauseHit | None:
    """Say whether a published post flagged by `flaggers` distinct people is hidden now.

    Returns the first community-flags clause (for the post's kind, when
    given) as a hit to cite, once the settings' flag_threshold is reached:
    its action, normally hold, is what happens to the post. Returns None
    below the threshold, or when no clause binds community flags.
    """
    for clause in standards.clauses:
        if kind is not None and clause.kinds is not None and kind not in clause.kinds:
            continue
        for check in clause.checks:
            if isinstance(check, CommunityFlags) and flaggers >= check.threshold:
                reason = f"flagged by {flaggers} people (the limit is {check.threshold})"
                return ClauseHit(
                    clause.number, clause.title, clause.action, (reason,), (), clause.explanation
                )
    return None
