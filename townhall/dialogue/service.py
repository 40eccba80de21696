"""The rules of the dialogue: posting, replying, editing, deleting, reacting, official
responses, the response standard for questions, and loading pages of threads.

Functions take explicit arguments (the acting person, model objects, what they typed),
flush but never commit, and raise a `DialogueError` subclass whose message is written
for the person concerned. Every accepted text passes through `accept_post`, the one
place a later moderation hook slots in.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from townhall.accounts.models import User
from townhall.consultations.models import Consultation
from townhall.database import utcnow
from townhall.dialogue import events, permissions
from townhall.dialogue.models import Comment, CommentRevision, Reaction, ReactionKind
from townhall.extensions import db
from townhall.links import link_to
from townhall.markup import render_markdown
from townhall.moderation.service import (
    HeldPost,
    authors_words,
    held_posts,
    is_hidden,
    moderate_post,
    withdraw_post,
)
from townhall.moderation.service import is_held as moderation_is_held
from townhall.notifications.models import NotificationKind
from townhall.notifications.service import notify

# The longest comment accepted, in characters (line breaks count as one).
BODY_MAX = 10_000
# Replies are indented up to this depth (a root is depth 0); deeper ones continue at
# this depth, each saying whom it replies to.
MAX_INDENT = 6
THREADS_PER_PAGE = 20
# How much of a comment a notification email quotes.
EXCERPT_CHARS = 300
DELETED_TEXT = "[deleted]"


class Sort(enum.StrEnum):
    """How the threads of a consultation are ordered (replies are always oldest first)."""

    OLDEST = "oldest"
    NEWEST = "newest"
    HELPFUL = "helpful"

    @property
    def label(self) -> str:
        """The choice as people read it."""
        return {"oldest": "Oldest first", "newest": "Newest first", "helpful": "Most helpful"}[
            self.value
        ]


DEFAULT_SORT = Sort.OLDEST

_ROOT_ORDER = {
    Sort.OLDEST: (Comment.created_at.asc(), Comment.id.asc()),
    Sort.NEWEST: (Comment.created_at.desc(), Comment.id.desc()),
    Sort.HELPFUL: (Comment.helpful_count.desc(), Comment.created_at.asc(), Comment.id.asc()),
}


# --- errors ----------------------------------------------------------------------


class DialogueError(Exception):
    """Something in the dialogue that cannot be done; the message says why."""


class NotAllowed(DialogueError):
    """The person may not do this here (not signed in, not verified, closed, not an officer)."""


class CommentInvalid(DialogueError):
    """What was typed cannot be posted as it is (empty or too long)."""


class CommentNotFound(DialogueError):
    """The comment asked for does not exist."""


class ReplyToDeletedComment(DialogueError):
    """The comment being replied to has been deleted."""


class ReplyOutsideConsultation(DialogueError):
    """The comment being replied to belongs to another consultation."""


class CommentNotEditable(DialogueError):
    """The comment cannot be edited by this person now."""


class CommentNotDeletable(DialogueError):
    """The comment cannot be deleted by this person."""


class ReactionNotAllowed(DialogueError):
    """This person cannot react to this comment."""


# --- the response standard -------------------------------------------------------


def add_working_days(start: datetime, days: int) -> datetime:
    """Return the moment `days` working days (Monday to Friday) after `start`.

    The time of day is kept. A start on a Saturday or Sunday counts from the
    beginning of the next Monday, so a question asked at the weekend gets as many
    whole working days as one asked on Monday morning.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    moment = start
    if moment.weekday() >= 5:
        moment = (moment + timedelta(days=7 - moment.weekday())).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
    remaining = days
    while remaining:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            remaining -= 1
    return moment


# --- writing ---------------------------------------------------------------------

_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)+")


def clean_body(body: str | None) -> str:
    """Normalise line breaks and outer blank space; refuse empty or oversized text."""
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n")
    # Leading spaces on the first line are kept: they can make a Markdown code block.
    text = _LEADING_BLANK_LINES.sub("", text).rstrip()
    if not text.strip():
        raise CommentInvalid("Write something before posting.")
    if len(text) > BODY_MAX:
        raise CommentInvalid(
            f"Comments can be at most {BODY_MAX:,} characters; this one has {len(text):,}. "
            "Shorten it and post again."
        )
    return text


def accept_post(comment: Comment, *, is_edit: bool = False) -> None:
    """Accept what a person wrote (a new comment or an edit): render, store, flush.

    This is the one place text enters the dialogue, so moderation (channel standards:
    allow, review, hold, redact, reject) hooks in here when it arrives.
    """
    comment.body_html = render_markdown(comment.body)
    db.session.add(comment)
    db.session.flush()
    moderate_post("comment", comment, is_edit=is_edit)


def is_held(comment: Comment) -> bool:
    """Whether `comment` waits, hidden, for a moderator before anyone else can read it."""
    return moderation_is_held("comment", comment.id)


def words_of(comment: Comment) -> str:
    """The comment as its author wrote it, for the author's own eyes (the edit form).

    While it is hidden for a moderator, the comment itself holds the notice others
    read; the author's words wait in moderation.
    """
    return authors_words("comment", comment)


def _refuse_unless(refused: str | None, error: type[DialogueError]) -> None:
    if refused:
        raise error(refused)


def post_comment(
    consultation: Consultation,
    author: User,
    body: str,
    *,
    parent: Comment | None = None,
    is_question: bool = False,
    official: bool = False,
    now: datetime | None = None,
) -> Comment:
    """Post a comment on a consultation, or a reply to `parent`; tell whom it concerns.

    Raises NotAllowed (cannot take part, or not an officer for `official`),
    CommentInvalid, ReplyOutsideConsultation or ReplyToDeletedComment.
    """
    now = now or utcnow()
    _refuse_unless(
        permissions.reply_refusal(author, consultation, parent, official=official), NotAllowed
    )
    if official:
        _refuse_unless(permissions.official_refusal(author, consultation), NotAllowed)
        if is_question:
            raise CommentInvalid("An official response cannot also be marked as a question.")
    text = clean_body(body)
    if parent is not None:
        if parent.consultation_id != consultation.id:
            raise ReplyOutsideConsultation("You can only reply to comments in this consultation.")
        if parent.is_deleted:
            raise ReplyToDeletedComment(
                "The comment you replied to has been deleted, so it cannot take replies. "
                "Your text is below: you can post it as a new comment instead."
            )
    comment = Comment(
        consultation_id=consultation.id,
        author_id=author.id,
        body=text,
        is_question=is_question,
        is_official=official,
        created_at=now,
        updated_at=now,
    )
    if parent is not None:
        comment.parent_id = parent.id
        comment.root_id = parent.thread_id
        comment.depth = parent.depth + 1
    if is_question:
        comment.question_due_at = add_working_days(now, consultation.response_days)
    accept_post(comment)

    answered: list[Comment] = []
    if official and parent is not None:
        answered = _refresh_answers(comment.thread_id, now)
        _tell_question_authors(answered, comment, consultation, author)
    # A question's author told of an official response is not told of the reply too.
    told = {author.id, *(q.author_id for q in answered)}
    if parent is not None and parent.author_id is not None and parent.author_id not in told:
        _tell_parent_author(parent, comment, consultation, author)
    events.publish_comment("comment_posted", comment)
    return comment


def edit_comment(
    comment: Comment,
    editor: User,
    body: str,
    *,
    is_question: bool | None = None,
    now: datetime | None = None,
) -> Comment:
    """Change a comment's text (and whether it is a question), keeping the old wording.

    Only its author may, within `permissions.EDIT_WINDOW` of posting, while the
    consultation takes part. Raises CommentNotEditable or CommentInvalid.
    """
    now = now or utcnow()
    consultation = db.session.get_one(Consultation, comment.consultation_id)
    _refuse_unless(permissions.edit_refusal(editor, comment, consultation, now), CommentNotEditable)
    text = clean_body(body)
    if text != words_of(comment):
        # Earlier versions are public; a held wording was never published, and the
        # notice shown in its place is not the author's, so neither becomes one.
        if not is_hidden("comment", comment.id):
            db.session.add(
                CommentRevision(
                    comment_id=comment.id,
                    body=comment.body,
                    body_html=comment.body_html,
                    written_at=comment.edited_at or comment.created_at,
                    replaced_at=now,
                )
            )
        comment.body = text
        comment.edited_at = now
        accept_post(comment, is_edit=True)
    if is_question is not None and is_question != comment.is_question:
        if is_question and comment.is_official:
            raise CommentInvalid("An official response cannot also be marked as a question.")
        comment.is_question = is_question
        comment.question_due_at = (
            add_working_days(now, consultation.response_days) if is_question else None
        )
        comment.answered_at = None
        db.session.flush()
        _refresh_answers(comment.thread_id, now)
    events.publish_comment("comment_edited", comment)
    return comment


def delete_comment(comment: Comment, by: User, *, now: datetime | None = None) -> Comment:
    """Delete a comment: it shows "[deleted]" and its replies stay in the thread.

    Its author, an officer or a moderator may. Raises CommentNotDeletable.
    """
    now = now or utcnow()
    _refuse_unless(permissions.delete_refusal(by, comment), CommentNotDeletable)
    comment.deleted_at = now
    comment.deleted_by_id = by.id
    db.session.flush()
    withdraw_post("comment", comment.id, by, now=now)  # nothing left for a moderator
    if comment.is_official or comment.is_question:
        # A deleted official response no longer answers; a deleted question is not owed one.
        _refresh_answers(comment.thread_id, now)
    events.publish_comment("comment_deleted", comment)
    return comment


def set_official(
    comment: Comment, by: User, official: bool, *, now: datetime | None = None
) -> Comment:
    """Mark an officer's comment as the council's official response, or unmark it.

    Authors of questions it newly answers are told. Raises NotAllowed.
    """
    now = now or utcnow()
    consultation = db.session.get_one(Consultation, comment.consultation_id)
    author = db.session.get(User, comment.author_id) if comment.author_id else None
    _refuse_unless(permissions.mark_official_refusal(by, comment, author, consultation), NotAllowed)
    if official and comment.is_question:
        raise NotAllowed("A question cannot also be an official response.")
    if comment.is_official == official:
        return comment
    comment.is_official = official
    db.session.flush()
    answered = _refresh_answers(comment.thread_id, now)
    _tell_question_authors(answered, comment, consultation, by)
    events.publish_comment("comment_edited", comment)
    return comment


def toggle_reaction(comment: Comment, user: User, kind: ReactionKind) -> bool:
    """Add `user`'s reaction of `kind` to `comment`, or take it back if present.

    Returns whether the reaction is now on. The reaction table's unique constraint
    keeps one per person per kind even when two requests race; the comment's count
    moves in the same transaction, by an UPDATE relative to its stored value.
    Raises ReactionNotAllowed.
    """
    consultation = db.session.get_one(Consultation, comment.consultation_id)
    _refuse_unless(permissions.react_refusal(user, comment, consultation), ReactionNotAllowed)
    events.publish_reactions(comment)  # sent after commit, with the counts as they are then
    count = getattr(Comment, f"{kind.value}_count")
    removed = db.session.execute(
        delete(Reaction).where(
            Reaction.comment_id == comment.id, Reaction.user_id == user.id, Reaction.kind == kind
        )
    )
    if removed.rowcount:
        db.session.execute(
            update(Comment)
            .where(Comment.id == comment.id, count > 0)
            .values({count: count - 1})
            .execution_options(synchronize_session=False)
        )
        db.session.expire(comment, [count.key])
        return False
    try:
        with db.session.begin_nested():
            db.session.add(Reaction(comment_id=comment.id, user_id=user.id, kind=kind))
    except IntegrityError:
        return True  # the same person's other request got there first: it is on
    db.session.execute(
        update(Comment)
        .where(Comment.id == comment.id)
        .values({count: count + 1})
        .execution_options(synchronize_session=False)
    )
    db.session.expire(comment, [count.key])
    return True


def _refresh_answers(root_id: int, now: datetime) -> list[Comment]:
    """Recompute which questions in a thread have an official response among their replies.

    A question's `answered_at` is when that first became true; it is cleared when the
    last such response is deleted or unmarked. Returns the questions newly answered.
    """
    rows = db.session.execute(
        select(
            Comment.id,
            Comment.parent_id,
            Comment.is_question,
            Comment.is_official,
            Comment.deleted_at,
            Comment.answered_at,
        ).where(or_(Comment.id == root_id, Comment.root_id == root_id))
    ).all()
    parent_of = {row.id: row.parent_id for row in rows}
    answered_ids: set[int] = set()
    for row in rows:
        if row.is_official and row.deleted_at is None:
            ancestor = row.parent_id
            while ancestor is not None:
                answered_ids.add(ancestor)
                ancestor = parent_of.get(ancestor)
    newly, cleared = [], []
    for row in rows:
        if not row.is_question or row.deleted_at is not None:
            continue
        if row.id in answered_ids and row.answered_at is None:
            newly.append(row.id)
        elif row.id not in answered_ids and row.answered_at is not None:
            cleared.append(row.id)
    if not newly and not cleared:
        return []
    changed = list(db.session.scalars(select(Comment).where(Comment.id.in_(newly + cleared))))
    for question in changed:
        question.answered_at = now if question.id in newly else None
    db.session.flush()
    return [q for q in changed if q.id in newly]


# --- telling people --------------------------------------------------------------


def comment_link(comment: Comment, *, external: bool = False) -> str:
    """The address of a comment: its thread's page, scrolled to it."""
    url = link_to(
        "dialogue.thread",
        external=external,
        consultation_id=comment.consultation_id,
        comment_id=comment.id,
    )
    return f"{url}#comment-{comment.id}"


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1].rstrip() + "…"


def _tell_parent_author(
    parent: Comment, reply: Comment, consultation: Consultation, author: User
) -> None:
    notify(
        [parent.author_id],
        NotificationKind.REPLY,
        f"{author.display_name} replied to your comment on “{consultation.title}”.",
        comment_link(reply),
        email_subject=f"A reply to your comment on {consultation.title}",
        email_template="reply",
        consultation_title=consultation.title,
        replier=author.display_name,
        excerpt=_excerpt(reply.body),
        full_link=comment_link(reply, external=True),
    )


def _tell_question_authors(
    questions: Iterable[Comment], response: Comment, consultation: Consultation, by: User
) -> None:
    ids = [q.author_id for q in questions if q.author_id is not None and q.author_id != by.id]
    if not ids:
        return
    notify(
        ids,
        NotificationKind.OFFICIAL_RESPONSE,
        f"The council has responded officially to your question on “{consultation.title}”.",
        comment_link(response),
        email_subject=f"An official response to your question on {consultation.title}",
        email_template="official_response",
        consultation_title=consultation.title,
        excerpt=_excerpt(response.body),
        full_link=comment_link(response, external=True),
    )


# --- reading ---------------------------------------------------------------------


@dataclass
class CommentNode:
    """A comment placed in its thread for showing, with what the reader may do to it.

    `replies` are the comment's own replies; `children` are those shown nested under
    it, which past MAX_INDENT is its whole flattened subtree (see `_arrange`).
    """

    comment: Comment
    author: User | None
    replies: list[CommentNode] = field(default_factory=list)
    children: list[CommentNode] = field(default_factory=list)
    parent: CommentNode | None = None
    # Set when the comment is shown away from its parent (past MAX_INDENT).
    replying_to: CommentNode | None = None
    my_reactions: frozenset[ReactionKind] = frozenset()
    can_reply: bool = False
    can_react: bool = False
    can_edit: bool = False
    can_delete: bool = False
    can_mark_official: bool = False
    # For its author or a moderator, the words of a comment hidden for a moderator (the
    # comment itself shows everyone else the notice); None when not held or not theirs.
    held: HeldPost | None = None
    # The author's own held words rendered as the comment will be once published.
    held_html: str | None = None

    @property
    def id(self) -> int:
        return self.comment.id

    @property
    def author_name(self) -> str:
        """Who wrote it, as shown (a deleted comment shows no name)."""
        if self.comment.is_deleted:
            return DELETED_TEXT
        return self.author.display_name if self.author else "A former member"

    @property
    def reply_count(self) -> int:
        """How many replies are below this comment, at any depth."""
        return sum(1 + child.reply_count for child in self.replies)


@dataclass
class ThreadPage:
    """One page of a consultation's threads: whole threads, never cut in the middle."""

    threads: list[CommentNode]
    sort: Sort
    page: int
    pages: int
    total_threads: int
    total_comments: int
    per_page: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _ids(values: Iterable[int | None]) -> list[int]:
    return sorted({v for v in values if v is not None})


def _arrange(node: CommentNode) -> None:
    """Set `children` for showing: nested up to MAX_INDENT, flattened beyond it."""
    if node.comment.depth < MAX_INDENT - 1:
        node.children = node.replies
        for child in node.replies:
            _arrange(child)
        return
    # The children sit at MAX_INDENT; everything deeper follows its ancestor at the
    # same indent, in conversation order, saying whom it replies to.
    flat: list[CommentNode] = []

    def walk(nodes: Sequence[CommentNode]) -> None:
        for child in nodes:
            if child.comment.depth > MAX_INDENT:
                child.replying_to = child.parent
            flat.append(child)
            walk(child.replies)

    walk(node.replies)
    node.children = flat


def build_threads(
    roots: Sequence[Comment], consultation: Consultation, reader: Any, now: datetime | None = None
) -> list[CommentNode]:
    """Load the replies, authors and reader's reactions of `roots` and build their trees.

    Three queries whatever the number of comments: replies by `root_id IN (...)`,
    authors by id, and the reader's own reactions (skipped for anonymous readers);
    a fourth for signed-in readers, the held comments' words they may read.
    """
    now = now or utcnow()
    if not roots:
        return []
    root_ids = [root.id for root in roots]
    replies = list(
        db.session.scalars(
            select(Comment)
            .where(Comment.root_id.in_(root_ids))
            .order_by(Comment.created_at.asc(), Comment.id.asc())
        )
    )
    comments = [*roots, *replies]
    authors = {
        user.id: user
        for user in db.session.scalars(
            select(User).where(User.id.in_(_ids(c.author_id for c in comments)))
        )
    }
    mine: dict[int, set[ReactionKind]] = {}
    if getattr(reader, "is_authenticated", False):
        for comment_id, kind in db.session.execute(
            select(Reaction.comment_id, Reaction.kind).where(
                Reaction.user_id == reader.id,
                Reaction.comment_id.in_([c.id for c in comments]),
            )
        ):
            mine.setdefault(comment_id, set()).add(kind)

    may_take_part = permissions.take_part_refusal(reader, consultation) is None
    nodes: dict[int, CommentNode] = {}
    for comment in comments:
        author = authors.get(comment.author_id) if comment.author_id else None
        nodes[comment.id] = CommentNode(
            comment=comment,
            author=author,
            my_reactions=frozenset(mine.get(comment.id, ())),
            can_reply=(may_take_part and not comment.is_deleted)
            or permissions.may_answer_after_close(reader, consultation, comment),
            can_react=may_take_part
            and permissions.react_refusal(reader, comment, consultation) is None,
            can_edit=permissions.edit_refusal(reader, comment, consultation, now) is None,
            can_delete=permissions.delete_refusal(reader, comment) is None,
            can_mark_official=permissions.mark_official_refusal(
                reader, comment, author, consultation
            )
            is None
            and not comment.is_question,
        )
    # Moderation decides who may read held words (one query, for signed-in readers).
    for comment_id, held in held_posts("comment", nodes, reader).items():
        nodes[comment_id].held = held
        if held.mine:
            nodes[comment_id].held_html = render_markdown(held.text)
    for comment in replies:
        node, parent = nodes[comment.id], nodes.get(comment.parent_id or 0)
        if parent is None:  # cannot happen while foreign keys hold; show it at the root
            parent = nodes[comment.thread_id]
        node.parent = parent
        parent.replies.append(node)
    threads = [nodes[root_id] for root_id in root_ids]
    for thread in threads:
        _arrange(thread)
    return threads


def thread_page(
    consultation: Consultation,
    reader: Any,
    *,
    sort: Sort = DEFAULT_SORT,
    page: int = 1,
    per_page: int = THREADS_PER_PAGE,
    now: datetime | None = None,
) -> ThreadPage:
    """One page of a consultation's threads: `per_page` roots with all their replies.

    A fixed number of queries however many comments there are: the count of threads
    and of comments, the page's roots, then `build_threads`' three.
    """
    roots_query = select(Comment).where(
        Comment.consultation_id == consultation.id, Comment.root_id.is_(None)
    )
    total_threads, total_comments = db.session.execute(
        select(
            func.count().filter(Comment.root_id.is_(None)),
            func.count(),
        ).where(Comment.consultation_id == consultation.id)
    ).one()
    pages = max(1, -(-total_threads // per_page))
    page = min(max(1, page), pages)
    roots = list(
        db.session.scalars(
            roots_query.order_by(*_ROOT_ORDER[sort]).limit(per_page).offset((page - 1) * per_page)
        )
    )
    return ThreadPage(
        threads=build_threads(roots, consultation, reader, now),
        sort=sort,
        page=page,
        pages=pages,
        total_threads=total_threads,
        total_comments=total_comments,
        per_page=per_page,
    )


def thread_of(
    comment: Comment, consultation: Consultation, reader: Any, now: datetime | None = None
) -> CommentNode:
    """The whole thread `comment` belongs to, built for showing."""
    root = comment if comment.root_id is None else db.session.get_one(Comment, comment.root_id)
    [thread] = build_threads([root], consultation, reader, now)
    return thread


def find_node(thread: CommentNode, comment_id: int) -> CommentNode | None:
    """The node of `comment_id` within a built thread."""
    if thread.id == comment_id:
        return thread
    for reply in thread.replies:
        found = find_node(reply, comment_id)
        if found is not None:
            return found
    return None


def get_comment(consultation: Consultation, comment_id: int) -> Comment:
    """The comment `comment_id` of this consultation. Raises CommentNotFound."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.consultation_id != consultation.id:
        raise CommentNotFound("There is no such comment on this consultation.")
    return comment


def revisions_of(comment: Comment) -> list[CommentRevision]:
    """The comment's earlier wordings, oldest first."""
    return list(
        db.session.scalars(
            select(CommentRevision)
            .where(CommentRevision.comment_id == comment.id)
            .order_by(CommentRevision.replaced_at.asc(), CommentRevision.id.asc())
        )
    )


@dataclass
class OverdueQuestion:
    """A question past its consultation's response standard with no official response."""

    comment: Comment
    consultation: Consultation
    author: User | None

    @property
    def due_at(self) -> datetime:
        return self.comment.question_due_at  # type: ignore[return-value]


def overdue_questions(
    *, consultation: Consultation | None = None, now: datetime | None = None, limit: int = 500
) -> list[OverdueQuestion]:
    """Questions owed an official response and past due, most overdue first.

    Across every consultation, or one. A question's due time was set from the
    consultation's response standard when it was asked (`Comment.question_due_at`).
    """
    now = now or utcnow()
    statement = (
        select(Comment, Consultation, User)
        .join(Consultation, Consultation.id == Comment.consultation_id)
        .outerjoin(User, User.id == Comment.author_id)
        .where(
            Comment.is_question.is_(True),
            Comment.answered_at.is_(None),
            Comment.deleted_at.is_(None),
            Comment.question_due_at < now,
        )
        .order_by(Comment.question_due_at.asc(), Comment.id.asc())
        .limit(limit)
    )
    if consultation is not None:
        statement = statement.where(Comment.consultation_id == consultation.id)
    return [OverdueQuestion(c, cons, u) for c, cons, u in db.session.execute(statement)]


def overdue_count(consultation: Consultation, now: datetime | None = None) -> int:
    """How many questions on `consultation` are past due without an official response."""
    now = now or utcnow()
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Comment)
            .where(
                Comment.consultation_id == consultation.id,
                Comment.is_question.is_(True),
                Comment.answered_at.is_(None),
                Comment.deleted_at.is_(None),
                Comment.question_due_at < now,
            )
        )
        or 0
    )
