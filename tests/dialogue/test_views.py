"""Dialogue pages through the Flask client: every rule, and every kind of bad input
answered with a clear message, a 4xx and the person's text shown back."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from townhall.accounts.permissions import Role
from townhall.dialogue import service
from townhall.dialogue.models import Comment, Reaction, ReactionKind
from townhall.extensions import db
from townhall.notifications.models import Notification, NotificationKind


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def page_of(consultation):
    """The consultation page's address, whose forms give the CSRF token."""
    return f"/consultations/{consultation.id}"


@pytest.fixture
def say(post_form, page_of, consultation):
    """`say(body, parent=None, **fields)`: post the comment form as a browser would."""

    def do(body, parent=None, *, on=None, token_page=None, **fields):
        target = on or consultation
        data = {"comment-body": body}
        if parent is not None:
            data["comment-parent_id"] = str(parent.id)
        data.update({f"comment-{k}": v for k, v in fields.items()})
        return post_form(
            f"/consultations/{target.id}/comments",
            data,
            token_page=token_page or f"/consultations/{target.id}",
        )

    return do


def shown_back(response, typed: str) -> bool:
    """Whether the page shows the typed text again inside a textarea."""
    return html.escape(typed, quote=False) in text_of(response).split("<textarea", 1)[-1]


# --- the section on the consultation page ----------------------------------------


def test_anonymous_readers_see_the_discussion_and_are_asked_to_sign_in(
    client, consultation, post, citizen, page_of
):
    post(citizen, "Sunday opening would help **families**.")
    page = text_of(client.get(page_of))
    assert 'id="comments"' in page and "Discussion" in page
    assert "<strong>families</strong>" in page
    assert "to comment, reply and react" in page
    assert 'name="comment-body"' not in page
    assert "within 10 working days" in page


def test_a_citizen_comments_and_it_appears_in_the_thread(
    client, sign_in, citizen, say, consultation, page_of
):
    sign_in(citizen)
    assert 'name="comment-body"' in text_of(client.get(page_of))
    response = say("I would *love* Sunday opening.")
    comment = db.session.scalar(select(Comment))
    assert response.status_code == 302
    assert response.location.endswith(
        f"/consultations/{consultation.id}/comments/{comment.id}#comment-{comment.id}"
    )
    thread = text_of(client.get(response.location.split("#")[0]))
    assert "Your comment has been posted." in thread
    assert "I would <em>love</em> Sunday opening." in thread
    assert f'id="comment-{comment.id}"' in text_of(client.get(page_of))


def test_a_reply_through_the_reply_page_tells_the_parents_author(
    client, sign_in, citizen, neighbour, post, say, consultation
):
    root = post(citizen, "What about evenings?")
    sign_in(neighbour)
    reply_page = client.get(f"/consultations/{consultation.id}/comments/{root.id}/reply")
    assert reply_page.status_code == 200
    assert "Reply to Cleo Citizen" in text_of(reply_page)
    assert "What about evenings?" in text_of(reply_page)
    assert f'value="{root.id}"' in text_of(reply_page)
    response = say("Evenings too, please.", parent=root)
    assert response.status_code == 302
    reply = db.session.scalar(select(Comment).where(Comment.parent_id == root.id))
    assert (reply.root_id, reply.depth) == (root.id, 1)
    [told] = db.session.scalars(select(Notification).where(Notification.user_id == citizen.id))
    assert told.kind is NotificationKind.REPLY


# --- bad input: clear message, 4xx, text kept -------------------------------------


def test_an_empty_comment_is_refused_with_the_form_again(client, sign_in, citizen, say):
    sign_in(citizen)
    response = say("   ")
    assert response.status_code == 400
    assert "Write something before posting." in text_of(response)
    assert 'aria-invalid="true"' in text_of(response)


def test_an_oversized_comment_comes_back_whole_with_the_limit(client, sign_in, citizen, say):
    sign_in(citizen)
    typed = "Long <b>text</b> & more. " * 500  # 12,500 characters
    response = say(typed)
    assert response.status_code == 400
    assert "at most 10,000 characters" in text_of(response)
    assert shown_back(response, typed.rstrip())
    assert "<b>text</b>" not in text_of(response)  # shown as text, never as markup
    assert db.session.scalar(select(Comment)) is None


def test_commenting_on_a_closed_consultation_is_refused_and_the_text_kept(
    client, sign_in, citizen, say, create_consultation
):
    closed = create_consultation(status="closed", title="Closed")
    sign_in(citizen)
    page = text_of(client.get(f"/consultations/{closed.id}"))
    assert "not open, so it cannot take contributions" in page
    assert 'name="comment-body"' not in page
    response = say("Too late?", on=closed)
    assert response.status_code == 403
    assert "not open, so it cannot take contributions" in text_of(response)
    assert shown_back(response, "Too late?")


def test_signed_out_and_unverified_people_are_refused_with_their_text(
    client, sign_in, create_user, say, consultation
):
    response = say("Anonymous thought", token_page="/sign-in")
    assert response.status_code == 401
    assert "Sign in to do that." in text_of(response)
    assert shown_back(response, "Anonymous thought")
    sign_in(create_user(verified=False))
    response = say("Unverified thought")
    assert response.status_code == 403
    assert "Confirm your email address" in text_of(response)
    assert shown_back(response, "Unverified thought")


def test_replying_to_a_deleted_comment_is_refused_and_the_text_kept(
    client, sign_in, citizen, neighbour, post, say
):
    root = post(citizen, "Root")
    service.delete_comment(root, citizen)
    db.session.commit()
    sign_in(neighbour)
    response = say("My careful reply", parent=root)
    assert response.status_code == 409
    assert "has been deleted" in text_of(response)
    assert shown_back(response, "My careful reply")
    reply_page = client.get(f"/consultations/{root.consultation_id}/comments/{root.id}/reply")
    assert reply_page.status_code == 409


def test_replying_to_a_comment_of_another_consultation_is_refused(
    client, sign_in, citizen, neighbour, post, say, create_consultation
):
    other = create_consultation(title="Parks")
    foreign = post(citizen, "In the parks consultation", on=other)
    sign_in(neighbour)
    response = say("Crossed wires", parent=foreign)
    assert response.status_code == 400
    assert "only reply to comments in this consultation" in text_of(response)
    assert shown_back(response, "Crossed wires")
    assert "In the parks consultation" not in text_of(response)


def test_a_missing_or_garbled_parent_is_a_clear_404_with_the_text_kept(
    client, sign_in, citizen, say, post_form, consultation
):
    sign_in(citizen)
    for parent_id in ("999999", "abc"):
        response = post_form(
            f"/consultations/{consultation.id}/comments",
            {"comment-body": "Orphan reply", "comment-parent_id": parent_id},
            token_page=f"/consultations/{consultation.id}",
        )
        assert response.status_code == 404
        assert "could not be found" in text_of(response)
        assert shown_back(response, "Orphan reply")


def test_a_form_without_its_csrf_token_comes_back_with_the_text(
    client, sign_in, citizen, consultation
):
    sign_in(citizen)
    response = client.post(
        f"/consultations/{consultation.id}/comments",
        data={"comment-body": "Typed before the session expired"},
    )
    assert response.status_code == 400
    assert "expired or did not come from this site" in text_of(response)
    assert shown_back(response, "Typed before the session expired")


def test_comments_on_hidden_consultations_do_not_exist(
    client, sign_in, citizen, say, create_consultation, create_user
):
    staff_only = create_consultation(title="Staff", audience="staff")
    staff = create_user(role=Role.STAFF)
    service.post_comment(staff_only, staff, "Internal")
    db.session.commit()
    comment = db.session.scalar(select(Comment))
    sign_in(citizen)
    base = f"/consultations/{staff_only.id}/comments"
    assert client.get(f"{base}/{comment.id}").status_code == 404
    assert client.get(f"{base}/{comment.id}/reply").status_code == 404


# --- editing -------------------------------------------------------------------


def test_the_author_edits_within_the_window_and_the_history_is_shown(
    client, sign_in, citizen, post, post_form, consultation
):
    comment = post(citizen, "Libraries are *great*")
    sign_in(citizen)
    edit_url = f"/consultations/{consultation.id}/comments/{comment.id}/edit"
    form = client.get(edit_url)
    assert form.status_code == 200 and "Libraries are *great*" in text_of(form)
    response = post_form(edit_url, {"body": "Libraries are essential"}, token_page=edit_url)
    assert response.status_code == 302
    thread = text_of(client.get(response.location.split("#")[0]))
    assert "Libraries are essential" in thread and "edited" in thread
    history = text_of(client.get(f"/consultations/{consultation.id}/comments/{comment.id}/history"))
    assert "Libraries are <em>great</em>" in history
    assert "Libraries are essential" in history
    assert "Original version" in history


def test_editing_someone_elses_comment_is_refused_with_the_text_kept(
    client, sign_in, citizen, neighbour, post, post_form, consultation
):
    comment = post(citizen, "Mine")
    sign_in(neighbour)
    edit_url = f"/consultations/{consultation.id}/comments/{comment.id}/edit"
    assert client.get(edit_url).status_code == 403
    response = post_form(
        edit_url, {"body": "Hijacked"}, token_page=f"/consultations/{consultation.id}"
    )
    assert response.status_code == 403
    assert "Only the person who wrote a comment can edit it." in text_of(response)
    assert shown_back(response, "Hijacked")
    assert db.session.get(Comment, comment.id).body == "Mine"


def test_editing_after_the_window_is_refused_with_the_text_kept(
    client, sign_in, citizen, post, post_form, consultation
):
    comment = post(citizen, "Mine")
    db.session.execute(
        update(Comment)
        .where(Comment.id == comment.id)
        .values(created_at=comment.created_at - timedelta(minutes=16))
    )
    db.session.commit()
    sign_in(citizen)
    edit_url = f"/consultations/{consultation.id}/comments/{comment.id}/edit"
    refused = client.get(edit_url)
    assert refused.status_code == 403 and "first 15 minutes" in text_of(refused)
    response = post_form(
        edit_url, {"body": "Second thoughts"}, token_page=f"/consultations/{consultation.id}"
    )
    assert response.status_code == 403
    assert "first 15 minutes" in text_of(response)
    assert shown_back(response, "Second thoughts")
    page = text_of(client.get(f"/consultations/{consultation.id}"))
    assert f"/comments/{comment.id}/edit" not in page


# --- deleting ------------------------------------------------------------------


def test_deleting_leaves_deleted_and_keeps_the_replies(
    client, sign_in, citizen, neighbour, post, post_form, consultation
):
    root = post(citizen, "Original point")
    post(neighbour, "A reply that stays", parent=root)
    sign_in(citizen)
    url = f"/consultations/{consultation.id}/comments/{root.id}/delete"
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Delete this comment?" in text_of(confirm)
    response = post_form(url, {}, token_page=url)
    assert response.status_code == 302
    page = text_of(client.get(f"/consultations/{consultation.id}"))
    assert "[deleted]" in page
    assert "Original point" not in page
    assert "A reply that stays" in page


def test_others_cannot_delete_but_officers_and_moderators_can(
    client, sign_in, citizen, neighbour, moderator, post, post_form, consultation
):
    comment = post(citizen, "Contested")
    url = f"/consultations/{consultation.id}/comments/{comment.id}/delete"
    sign_in(neighbour)
    assert client.get(url).status_code == 403
    response = post_form(url, {}, token_page=f"/consultations/{consultation.id}")
    assert response.status_code == 403
    assert "Only the person who wrote a comment" in text_of(response)
    client.post("/sign-out", data={"csrf_token": _token(client, consultation)})
    sign_in(moderator)
    assert post_form(url, {}, token_page=url).status_code == 302
    assert db.session.get(Comment, comment.id).deleted_by_id == moderator.id


def _token(client, consultation) -> str:
    from tests.conftest import csrf_token_from

    return csrf_token_from(client, f"/consultations/{consultation.id}")


# --- reactions -----------------------------------------------------------------


def test_reactions_toggle_on_and_off_and_show_pressed(
    client, sign_in, citizen, neighbour, post, post_form, consultation
):
    comment = post(citizen, "Helpful?")
    sign_in(neighbour)
    url = f"/consultations/{consultation.id}/comments/{comment.id}/reactions"
    page = f"/consultations/{consultation.id}"
    response = post_form(url, {"kind": "helpful", "next": page}, token_page=page)
    assert response.status_code == 302
    assert response.location.endswith(f"{page}#comment-{comment.id}")
    html_page = text_of(client.get(page))
    assert 'value="helpful" class="reaction reaction-helpful" aria-pressed="true"' in html_page
    assert db.session.get(Comment, comment.id).helpful_count == 1
    post_form(url, {"kind": "helpful", "next": page}, token_page=page)
    assert db.session.get(Comment, comment.id).helpful_count == 0
    assert db.session.scalar(select(Reaction)) is None


def test_reactions_answer_dialogue_js_with_json(
    client, sign_in, citizen, neighbour, post, post_form, consultation
):
    comment = post(citizen, "Helpful?")
    sign_in(neighbour)
    url = f"/consultations/{consultation.id}/comments/{comment.id}/reactions"
    page = f"/consultations/{consultation.id}"
    json = {"Accept": "application/json"}
    response = post_form(url, {"kind": "agree"}, token_page=page, headers=json)
    assert response.status_code == 200
    assert response.get_json() == {
        "on": True,
        "kind": "agree",
        "count": 1,
        "message": "You reacted “Agree”.",
    }
    response = post_form(url, {"kind": "agree"}, token_page=page, headers=json)
    assert response.get_json()["on"] is False and response.get_json()["count"] == 0
    mine = post(neighbour, "My own")
    own = f"/consultations/{consultation.id}/comments/{mine.id}/reactions"
    refused = post_form(own, {"kind": "agree"}, token_page=page, headers=json)
    assert refused.status_code == 403
    assert refused.get_json() == {"error": "You cannot react to your own comment."}
    assert 'src="/static/js/dialogue.js"' in text_of(client.get(page))


def test_bad_reactions_are_refused_clearly(
    client, sign_in, citizen, neighbour, post, post_form, consultation
):
    comment = post(citizen, "Mine")
    url = f"/consultations/{consultation.id}/comments/{comment.id}/reactions"
    page = f"/consultations/{consultation.id}"
    assert post_form(url, {"kind": "helpful"}, token_page="/sign-in").status_code == 401
    sign_in(citizen)
    own = post_form(url, {"kind": "helpful"}, token_page=page)
    assert own.status_code == 403 and "your own comment" in text_of(own)
    assert post_form(url, {"kind": "love"}, token_page=page).status_code == 400
    # A redirect target off the site is ignored.
    other = post(neighbour, "Theirs")
    url = f"/consultations/{consultation.id}/comments/{other.id}/reactions"
    response = post_form(url, {"kind": "agree", "next": "https://evil.example/"}, token_page=page)
    assert response.status_code == 302 and "evil" not in response.location


# --- official responses and overdue questions -----------------------------------


def test_an_officer_posts_an_official_response_that_stands_out(
    client, sign_in, citizen, officer, post, say, consultation, mailbox
):
    question = post(citizen, "Will the cafe open too?", is_question=True)
    sign_in(officer)
    reply_url = f"/consultations/{consultation.id}/comments/{question.id}/reply"
    reply_page = text_of(client.get(reply_url))
    assert "Post as the council&#39;s official response" in reply_page
    response = say("Yes, from 10:00.", parent=question, official="y")
    assert response.status_code == 302
    page = text_of(client.get(f"/consultations/{consultation.id}"))
    assert "comment-official" in page and "Official council response" in page
    assert "<strong>Answered:</strong>" in page
    [message] = mailbox()
    assert message["To"] == citizen.email


def test_citizens_cannot_post_or_mark_official_responses(
    client, sign_in, citizen, neighbour, officer, post, say, post_form, consultation
):
    question = post(citizen, "Why?", is_question=True)
    sign_in(neighbour)
    assert "official response" not in text_of(
        client.get(f"/consultations/{consultation.id}/comments/{question.id}/reply")
    ).lower().replace("awaiting an official response", "")
    response = say("Pretending", parent=question, official="y")
    assert response.status_code == 403
    assert "Only council officers can do that." in text_of(response)
    assert shown_back(response, "Pretending")
    answer = post(officer, "Because.", parent=question)
    url = f"/consultations/{consultation.id}/comments/{answer.id}/official"
    marked = post_form(url, {"official": "1"}, token_page=f"/consultations/{consultation.id}")
    assert marked.status_code == 403
    assert not db.session.get(Comment, answer.id).is_official


def test_an_officer_marks_a_reply_official_afterwards(
    client, sign_in, citizen, officer, post, post_form, consultation
):
    question = post(citizen, "Parking?", is_question=True)
    answer = post(officer, "40 spaces.", parent=question)
    sign_in(officer)
    page = f"/consultations/{consultation.id}"
    assert "Mark as official response" in text_of(client.get(page))
    url = f"/consultations/{consultation.id}/comments/{answer.id}/official"
    assert post_form(url, {"official": "1"}, token_page=page).status_code == 302
    assert db.session.get(Comment, answer.id).is_official
    assert db.session.get(Comment, question.id).answered_at is not None


def test_overdue_questions_are_listed_for_officers_only(
    client, sign_in, citizen, officer, post, consultation, create_user
):
    question = post(citizen, "Bins collected when?", is_question=True)
    db.session.execute(
        update(Comment)
        .where(Comment.id == question.id)
        .values(question_due_at=question.created_at - timedelta(days=1))
    )
    db.session.commit()
    everywhere = "/officer/overdue-questions"
    here = f"/consultations/{consultation.id}/overdue-questions"
    assert client.get(everywhere).status_code == 302  # sign in first
    assert client.get(here).status_code == 302
    sign_in(citizen)
    assert client.get(everywhere).status_code == 403
    assert client.get(here).status_code == 403
    client.post("/sign-out", data={"csrf_token": _token(client, consultation)})
    sign_in(officer)
    for url in (everywhere, here):
        listing = text_of(client.get(url))
        assert "Bins collected when?" in listing and "Cleo Citizen" in listing
    assert "1 question is past the response standard" in text_of(
        client.get(f"/consultations/{consultation.id}")
    )


# --- sorting and pages ----------------------------------------------------------


def test_threads_page_and_sort_through_links(client, citizen, neighbour, consultation):
    from datetime import UTC, datetime

    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    for n in range(service.THREADS_PER_PAGE + 3):
        root = service.post_comment(
            consultation, citizen, f"Thread number {n:02d}", now=start + timedelta(minutes=n)
        )
        service.post_comment(consultation, neighbour, f"Reply to {n:02d}", parent=root)
    helpful = db.session.scalar(select(Comment).where(Comment.body == "Thread number 21"))
    service.toggle_reaction(helpful, neighbour, ReactionKind.HELPFUL)
    db.session.commit()
    base = f"/consultations/{consultation.id}"
    first = text_of(client.get(base))
    assert "Thread number 00" in first and "Reply to 19" in first
    assert "Thread number 20" not in first
    assert f'href="{base}?comment_sort=oldest&amp;comment_page=2#comments"' in first
    second = text_of(client.get(f"{base}?comment_sort=oldest&comment_page=2"))
    assert "Thread number 20" in second and "Reply to 22" in second
    assert "Thread number 00" not in second
    newest = text_of(client.get(f"{base}?comment_sort=newest"))
    assert newest.index("Thread number 22") < newest.index("Thread number 21")
    most_helpful = text_of(client.get(f"{base}?comment_sort=helpful"))
    assert most_helpful.index("Thread number 21") < most_helpful.index("Thread number 00")
    # Nonsense sorts and pages fall back rather than failing.
    assert client.get(f"{base}?comment_sort=bogus&comment_page=-1").status_code == 200
