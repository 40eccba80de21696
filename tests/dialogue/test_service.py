"""Dialogue rules against the real database: threads, edits, deletes, reactions,
official responses, the response standard and loading pages of threads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from townhall.dialogue import service
from townhall.dialogue.models import Comment, CommentRevision, Reaction, ReactionKind
from townhall.dialogue.permissions import EDIT_WINDOW
from townhall.extensions import db
from townhall.notifications.models import Notification, NotificationKind


def notifications_of(user):
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


# --- working days ------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (datetime(2026, 3, 2, 9, 30, tzinfo=UTC), 1, datetime(2026, 3, 3, 9, 30, tzinfo=UTC)),
        (datetime(2026, 3, 2, 9, 30, tzinfo=UTC), 5, datetime(2026, 3, 9, 9, 30, tzinfo=UTC)),
        # Friday afternoon + 1 working day is Monday afternoon.
        (datetime(2026, 3, 6, 16, 0, tzinfo=UTC), 1, datetime(2026, 3, 9, 16, 0, tzinfo=UTC)),
        (datetime(2026, 3, 6, 16, 0, tzinfo=UTC), 10, datetime(2026, 3, 20, 16, 0, tzinfo=UTC)),
        # Asked at the weekend: counting starts from Monday 00:00.
        (datetime(2026, 3, 7, 11, 0, tzinfo=UTC), 1, datetime(2026, 3, 10, 0, 0, tzinfo=UTC)),
        (datetime(2026, 3, 8, 23, 0, tzinfo=UTC), 2, datetime(2026, 3, 11, 0, 0, tzinfo=UTC)),
        (datetime(2026, 3, 4, 12, 0, tzinfo=UTC), 0, datetime(2026, 3, 4, 12, 0, tzinfo=UTC)),
    ],
)
def test_working_days_skip_saturday_and_sunday(start, days, due):
    assert service.add_working_days(start, days) == due


# --- posting -----------------------------------------------------------------


def test_a_comment_keeps_its_text_and_clean_html(post, citizen, consultation):
    comment = post(citizen, "See **this** <script>alert(1)</script> https://example.org")
    assert comment.body == "See **this** <script>alert(1)</script> https://example.org"
    assert "<strong>this</strong>" in comment.body_html
    assert "<script>" not in comment.body_html
    assert 'rel="nofollow ugc noopener"' in comment.body_html
    assert (comment.consultation_id, comment.root_id, comment.depth) == (consultation.id, None, 0)
    assert comment.author_id == citizen.id


def test_replies_at_any_depth_carry_their_root_and_depth(post, citizen, neighbour):
    root = post(citizen, "Root")
    chain = [root]
    for n in range(9):
        chain.append(post(neighbour if n % 2 == 0 else citizen, f"Reply {n}", parent=chain[-1]))
    assert [c.depth for c in chain] == list(range(10))
    assert {c.root_id for c in chain[1:]} == {root.id}
    assert chain[5].parent_id == chain[4].id


@pytest.mark.parametrize("body", ["", "   ", "\n\n \r\n"])
def test_empty_comments_are_refused(post, citizen, body):
    with pytest.raises(service.CommentInvalid, match="Write something"):
        post(citizen, body)


def test_comments_have_a_maximum_length(post, citizen):
    assert post(citizen, "x" * service.BODY_MAX).body == "x" * service.BODY_MAX
    with pytest.raises(service.CommentInvalid, match="at most 10,000 characters"):
        post(citizen, "x" * (service.BODY_MAX + 1))
    # Windows line breaks count once, as people see them.
    assert len(post(citizen, "ab\r\n" * 3000).body) == 3 * 3000 - 1


def test_only_verified_people_on_open_consultations_that_use_dialogue_may_post(
    post, create_user, create_consultation, citizen
):
    with pytest.raises(service.NotAllowed, match="Confirm your email"):
        post(create_user(verified=False), "Hi")
    closed = create_consultation(status="closed", title="Closed one")
    with pytest.raises(service.NotAllowed, match="not open"):
        post(citizen, "Hi", on=closed)
    no_dialogue = create_consultation(title="Vote only", uses_dialogue=False, uses_voting=True)
    with pytest.raises(service.NotAllowed, match="does not use"):
        post(citizen, "Hi", on=no_dialogue)
    staff_only = create_consultation(title="Staff only", audience="staff")
    with pytest.raises(service.NotAllowed, match="no such consultation"):
        post(citizen, "Hi", on=staff_only)


def test_replies_to_deleted_comments_or_other_consultations_are_refused(
    post, citizen, neighbour, create_consultation
):
    gone = post(citizen, "Soon gone")
    service.delete_comment(gone, citizen)
    with pytest.raises(service.ReplyToDeletedComment):
        post(neighbour, "Reply", parent=gone)
    elsewhere = create_consultation(title="Elsewhere")
    foreign = post(citizen, "Over there", on=elsewhere)
    with pytest.raises(service.ReplyOutsideConsultation):
        post(neighbour, "Reply", parent=foreign)
    assert db.session.scalar(select(Comment).where(Comment.body == "Reply")) is None


# --- editing -----------------------------------------------------------------


def test_the_author_edits_within_the_window_and_the_history_is_kept(post, citizen):
    comment = post(citizen, "First *draft*")
    posted = comment.created_at
    service.edit_comment(comment, citizen, "Second draft", now=posted + timedelta(minutes=5))
    service.edit_comment(comment, citizen, "Final", now=posted + timedelta(minutes=14))
    db.session.commit()
    assert comment.body == "Final" and comment.body_html == "<p>Final</p>\n"
    assert comment.edited_at == posted + timedelta(minutes=14)
    revisions = service.revisions_of(comment)
    assert [r.body for r in revisions] == ["First *draft*", "Second draft"]
    assert revisions[0].body_html == "<p>First <em>draft</em></p>\n"
    assert revisions[0].written_at == posted
    assert revisions[1].written_at == posted + timedelta(minutes=5)
    # The same text again is not a new revision.
    service.edit_comment(comment, citizen, "Final", now=posted + timedelta(minutes=14))
    assert len(service.revisions_of(comment)) == 2


def test_editing_after_the_window_or_someone_elses_comment_is_refused(post, citizen, officer):
    comment = post(citizen, "Mine")
    late = comment.created_at + EDIT_WINDOW + timedelta(seconds=1)
    with pytest.raises(service.CommentNotEditable, match="first 15 minutes"):
        service.edit_comment(comment, citizen, "Changed", now=late)
    with pytest.raises(service.CommentNotEditable, match="Only the person who wrote"):
        service.edit_comment(comment, officer, "Changed")
    service.delete_comment(comment, citizen)
    with pytest.raises(service.CommentNotEditable, match="deleted"):
        service.edit_comment(comment, citizen, "Changed")
    assert db.session.scalar(select(CommentRevision)) is None


def test_edits_are_refused_once_the_consultation_closes(post, citizen, consultation):
    from townhall.consultations.service import close_consultation

    comment = post(citizen, "Mine")
    close_consultation(consultation)
    with pytest.raises(service.CommentNotEditable, match="not open"):
        service.edit_comment(comment, citizen, "Changed")


# --- deleting ----------------------------------------------------------------


def test_deleting_keeps_the_thread_and_shows_deleted(post, citizen, neighbour, consultation):
    root = post(citizen, "Root")
    middle = post(neighbour, "Middle", parent=root)
    post(citizen, "Below", parent=middle)
    service.delete_comment(middle, neighbour)
    db.session.commit()
    assert middle.deleted_at is not None and middle.deleted_by_id == neighbour.id
    [thread] = service.thread_page(consultation, citizen).threads
    [middle_node] = thread.children
    assert middle_node.author_name == "[deleted]"
    assert [n.comment.body for n in middle_node.children] == ["Below"]
    assert not middle_node.can_reply and not middle_node.can_react


def test_officers_and_moderators_may_delete_anyones_comment_others_may_not(
    post, citizen, neighbour, officer, moderator
):
    first, second = post(citizen, "One"), post(citizen, "Two")
    with pytest.raises(service.CommentNotDeletable, match="Only the person"):
        service.delete_comment(first, neighbour)
    service.delete_comment(first, officer)
    service.delete_comment(second, moderator)
    with pytest.raises(service.CommentNotDeletable, match="already"):
        service.delete_comment(second, citizen)


# --- reactions ---------------------------------------------------------------


def test_reactions_toggle_and_keep_the_counts(post, citizen, neighbour, create_user):
    comment = post(citizen, "React to me")
    third = create_user()
    assert service.toggle_reaction(comment, neighbour, ReactionKind.HELPFUL) is True
    assert service.toggle_reaction(comment, neighbour, ReactionKind.AGREE) is True
    assert service.toggle_reaction(comment, third, ReactionKind.HELPFUL) is True
    db.session.commit()
    assert (comment.agree_count, comment.disagree_count, comment.helpful_count) == (1, 0, 2)
    assert service.toggle_reaction(comment, neighbour, ReactionKind.HELPFUL) is False
    db.session.commit()
    assert comment.helpful_count == 1
    kinds = db.session.scalars(select(Reaction.kind).where(Reaction.user_id == neighbour.id))
    assert list(kinds) == [ReactionKind.AGREE]


def test_one_reaction_per_person_per_kind_is_enforced_by_the_database(post, citizen, neighbour):
    comment = post(citizen, "Once")
    row = {"comment_id": comment.id, "user_id": neighbour.id, "kind": ReactionKind.AGREE}
    db.session.execute(insert(Reaction), [row])
    with pytest.raises(IntegrityError):
        db.session.execute(insert(Reaction), [row])
    db.session.rollback()


def test_reacting_to_ones_own_or_a_deleted_comment_or_when_closed_is_refused(
    post, citizen, neighbour, consultation
):
    from townhall.consultations.service import close_consultation

    comment = post(citizen, "Mine")
    with pytest.raises(service.ReactionNotAllowed, match="your own"):
        service.toggle_reaction(comment, citizen, ReactionKind.HELPFUL)
    gone = post(citizen, "Gone")
    service.delete_comment(gone, citizen)
    with pytest.raises(service.ReactionNotAllowed, match="deleted"):
        service.toggle_reaction(gone, neighbour, ReactionKind.HELPFUL)
    close_consultation(consultation)
    with pytest.raises(service.ReactionNotAllowed, match="not open"):
        service.toggle_reaction(comment, neighbour, ReactionKind.HELPFUL)


# --- reading threads ---------------------------------------------------------


def test_threads_sort_by_oldest_newest_and_most_helpful(post, citizen, neighbour, consultation):
    now = datetime.now(UTC)
    first = service.post_comment(consultation, citizen, "First", now=now - timedelta(hours=3))
    second = service.post_comment(consultation, citizen, "Second", now=now - timedelta(hours=2))
    third = service.post_comment(consultation, citizen, "Third", now=now - timedelta(hours=1))
    service.toggle_reaction(second, neighbour, ReactionKind.HELPFUL)
    db.session.commit()

    def order(sort):
        return [t.comment.body for t in service.thread_page(consultation, None, sort=sort).threads]

    assert order(service.Sort.OLDEST) == ["First", "Second", "Third"]
    assert order(service.Sort.NEWEST) == ["Third", "Second", "First"]
    assert order(service.Sort.HELPFUL) == ["Second", "First", "Third"]
    assert {first.id, second.id, third.id}


def test_pages_hold_whole_threads(post, citizen, neighbour, consultation):
    now = datetime.now(UTC)
    roots = []
    for n in range(5):
        root = service.post_comment(
            consultation, citizen, f"Root {n}", now=now - timedelta(minutes=50 - n)
        )
        roots.append(root)
        parent = root
        for m in range(n):
            parent = service.post_comment(consultation, neighbour, f"Reply {n}.{m}", parent=parent)
    db.session.commit()
    first = service.thread_page(consultation, citizen, page=1, per_page=2)
    last = service.thread_page(consultation, citizen, page=3, per_page=2)
    assert (first.pages, first.total_threads, first.total_comments) == (3, 5, 15)
    assert [t.comment.body for t in first.threads] == ["Root 0", "Root 1"]
    assert [t.comment.body for t in last.threads] == ["Root 4"]
    assert last.threads[0].reply_count == 4
    assert not last.has_next and last.has_prev
    # A page past the end shows the last page.
    assert service.thread_page(consultation, citizen, page=99, per_page=2).page == 3


def test_replies_nest_to_depth_six_then_continue_there_saying_whom_they_reply_to(
    post, citizen, neighbour, consultation
):
    chain = [post(citizen, "d0")]
    for depth in range(1, 10):
        chain.append(post(neighbour if depth % 2 else citizen, f"d{depth}", parent=chain[-1]))
    side = post(citizen, "d7 side", parent=chain[6])
    [thread] = service.thread_page(consultation, None).threads
    node, shown_depth = thread, 0
    while node.children and node.comment.depth < 5:
        [node] = node.children
        shown_depth += 1
    assert node.comment.body == "d5" and shown_depth == 5
    # Depth 6 and everything below it sits in one list under depth 5, in conversation order.
    assert [c.comment.body for c in node.children] == ["d6", "d7", "d8", "d9", "d7 side"]
    assert all(not c.children for c in node.children)
    replying = {c.comment.body: c.replying_to for c in node.children}
    assert replying["d6"] is None
    assert replying["d7"].comment.body == "d6"
    assert replying["d9"].comment.body == "d8"
    assert replying["d7 side"].comment.body == "d6"
    assert replying["d7 side"].author_name == "Cleo Citizen"
    assert side.depth == 7


def test_the_reader_sees_their_own_reactions_and_what_they_may_do(
    post, citizen, neighbour, officer, consultation
):
    mine = post(citizen, "Mine")
    theirs = post(neighbour, "Theirs")
    service.toggle_reaction(theirs, citizen, ReactionKind.AGREE)
    db.session.commit()
    nodes = {t.comment.body: t for t in service.thread_page(consultation, citizen).threads}
    assert nodes["Theirs"].my_reactions == {ReactionKind.AGREE}
    assert nodes["Mine"].can_edit and nodes["Mine"].can_delete and not nodes["Mine"].can_react
    assert not nodes["Theirs"].can_edit and not nodes["Theirs"].can_delete
    assert nodes["Theirs"].can_react and nodes["Theirs"].can_reply
    anonymous = service.thread_page(consultation, None).threads
    assert not any(n.can_reply or n.can_react or n.can_edit for n in anonymous)
    officer_view = {t.comment.body: t for t in service.thread_page(consultation, officer).threads}
    assert officer_view["Theirs"].can_delete and not officer_view["Theirs"].can_mark_official
    assert mine.id


# --- notifications -----------------------------------------------------------


def test_a_reply_tells_the_parents_author_but_not_oneself(post, citizen, neighbour, mailbox):
    root = post(citizen, "Root")
    reply = post(neighbour, "I disagree, because the bus timetable changes in May.", parent=root)
    post(citizen, "My own reply", parent=root)
    [told] = notifications_of(citizen)
    assert told.kind is NotificationKind.REPLY
    assert "Ned Neighbour replied to your comment" in told.text
    assert told.link.endswith(f"/comments/{reply.id}#comment-{reply.id}")
    assert notifications_of(neighbour) == []
    assert mailbox() == []  # replies are not emailed unless chosen


def test_reply_emails_go_to_those_who_chose_them(post, citizen, neighbour, mailbox):
    from townhall.notifications.service import set_email_preferences

    set_email_preferences(citizen, {NotificationKind.REPLY: True})
    db.session.commit()
    root = post(citizen, "Root")
    post(neighbour, "A reply with detail", parent=root)
    [message] = mailbox()
    assert message["To"] == citizen.email
    assert "Ned Neighbour replied" in message.get_content()
    assert "A reply with detail" in message.get_content()


def test_an_official_response_answers_the_question_and_tells_its_author(
    post, citizen, neighbour, officer, consultation, mailbox
):
    question = post(citizen, "When will it open?", is_question=True)
    assert question.question_due_at == service.add_working_days(
        question.created_at, consultation.response_days
    )
    chat = post(neighbour, "I'd like to know too", parent=question)
    response = post(officer, "It opens in May.", parent=chat, official=True)
    assert response.is_official
    assert question.answered_at is not None
    replied, told = notifications_of(citizen)
    assert replied.kind is NotificationKind.REPLY  # the neighbour's reply
    assert told.kind is NotificationKind.OFFICIAL_RESPONSE
    assert told.link.endswith(f"#comment-{response.id}")
    # The neighbour was replied to, and is told of the reply.
    assert [n.kind for n in notifications_of(neighbour)] == [NotificationKind.REPLY]
    [message] = mailbox()  # official responses are emailed by default
    assert message["To"] == citizen.email
    assert "responded officially" in message.get_content()
    assert "It opens in May." in message.get_content()


def test_only_officers_respond_officially(post, citizen, neighbour):
    question = post(citizen, "Why?", is_question=True)
    with pytest.raises(service.NotAllowed, match="Only council officers"):
        post(neighbour, "Because", parent=question, official=True)
    with pytest.raises(service.NotAllowed):
        service.set_official(question, neighbour, True)


def test_marking_an_officers_reply_official_later_answers_the_question(
    post, citizen, officer, neighbour, consultation
):
    question = post(citizen, "Will there be parking?", is_question=True)
    reply = post(officer, "Yes, 40 spaces.", parent=question)
    assert question.answered_at is None
    with pytest.raises(service.NotAllowed, match="written by a council officer"):
        service.set_official(post(neighbour, "Hm", parent=question), officer, True)
    service.set_official(reply, officer, True)
    db.session.commit()
    assert question.answered_at is not None
    # Told of the two replies, then of the official response.
    assert [n.kind for n in notifications_of(citizen)] == [
        NotificationKind.REPLY,
        NotificationKind.REPLY,
        NotificationKind.OFFICIAL_RESPONSE,
    ]
    # Unmarking or deleting the response makes the question owed an answer again.
    service.set_official(reply, officer, False)
    assert question.answered_at is None
    service.set_official(reply, officer, True)
    service.delete_comment(reply, officer)
    assert question.answered_at is None


def test_overdue_questions_are_those_past_the_standard_without_an_official_response(
    post, citizen, officer, consultation, create_consultation
):
    asked = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday
    waiting = service.post_comment(consultation, citizen, "Q1?", is_question=True, now=asked)
    answered = service.post_comment(consultation, citizen, "Q2?", is_question=True, now=asked)
    service.post_comment(consultation, officer, "A2", parent=answered, official=True)
    deleted = service.post_comment(consultation, citizen, "Q3?", is_question=True, now=asked)
    service.delete_comment(deleted, citizen)
    service.post_comment(consultation, citizen, "Not a question", now=asked)
    other = create_consultation(title="Parks", response_days=2)
    elsewhere = service.post_comment(other, citizen, "Q4?", is_question=True, now=asked)
    db.session.commit()

    # Ten working days from Monday 2 March 10:00 is Monday 16 March 10:00.
    assert waiting.question_due_at == datetime(2026, 3, 16, 10, 0, tzinfo=UTC)
    assert elsewhere.question_due_at == datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    on_time = datetime(2026, 3, 16, 9, 59, tzinfo=UTC)
    assert [q.comment for q in service.overdue_questions(now=on_time)] == [elsewhere]
    late = datetime(2026, 3, 16, 10, 1, tzinfo=UTC)
    overdue = service.overdue_questions(now=late)
    assert [q.comment for q in overdue] == [elsewhere, waiting]
    assert overdue[1].consultation == consultation and overdue[1].author == citizen
    assert [q.comment for q in service.overdue_questions(consultation=consultation, now=late)] == [
        waiting
    ]
    assert service.overdue_count(consultation, now=late) == 1


def test_a_question_can_be_marked_or_unmarked_while_editing(post, citizen, consultation):
    comment = post(citizen, "Hmm")
    service.edit_comment(comment, citizen, "Hmm?", is_question=True)
    assert comment.is_question and comment.question_due_at is not None
    service.edit_comment(comment, citizen, "Hmm.", is_question=False)
    assert not comment.is_question and comment.question_due_at is None


def test_accept_post_is_the_one_place_text_is_accepted(post, citizen, monkeypatch):
    seen = []
    original = service.accept_post

    def spy(comment, *, is_edit=False):
        seen.append((comment.body, is_edit))
        original(comment, is_edit=is_edit)

    monkeypatch.setattr(service, "accept_post", spy)
    comment = post(citizen, "New")
    service.edit_comment(comment, citizen, "Edited")
    assert seen == [("New", False), ("Edited", True)]
