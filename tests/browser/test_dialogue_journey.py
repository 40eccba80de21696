"""Browser journeys for the dialogue: a citizen comments, replies and reacts; an officer
answers a question with an official response. Every page is checked with axe-core."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.accessibility import assert_accessible
from tests.conftest import DEFAULT_PASSWORD, read_outbox
from townhall.accounts.permissions import Role
from townhall.dialogue import service
from townhall.dialogue.models import Comment
from townhall.extensions import db

pytestmark = pytest.mark.browser


def sign_in_as(page, live_server, user) -> None:
    page.goto(live_server + "/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


def comment_article(page, text: str):
    return page.locator("article.comment").filter(has_text=text).first


def test_a_citizen_reads_comments_replies_and_reacts(
    live_server, page, create_consultation, create_user
):
    consultation = create_consultation(title="Sunday library opening")
    neighbour = create_user(display_name="Ned Neighbour")
    service.post_comment(consultation, neighbour, "The study space is **full** on Saturdays.")
    db.session.commit()
    citizen = create_user(display_name="Cleo Citizen")

    # Reading, signed out: the discussion is there, with a way in.
    page.goto(f"{live_server}/consultations/{consultation.id}")
    discussion = page.get_by_role("region", name="Discussion")
    assert "The study space is full on Saturdays." in discussion.inner_text()
    assert discussion.get_by_role("link", name="Sign in").is_visible()
    assert_accessible(page)

    sign_in_as(page, live_server, citizen)
    page.goto(f"{live_server}/consultations/{consultation.id}")
    # An empty comment comes back with the problem, focused.
    page.get_by_role("button", name="Post comment").click()
    assert "Write something before posting." in page.get_by_role("alert").inner_text()
    # The page's script moves focus once it runs; wait for it rather than race it.
    expect(page.locator("[data-error-summary]")).to_be_focused()
    assert_accessible(page)

    page.get_by_label("Your comment").fill("Sunday opening would help *working parents*.")
    page.get_by_role("button", name="Post comment").click()
    assert "Your comment has been posted." in page.get_by_role("main").inner_text()
    mine = comment_article(page, "Sunday opening would help")
    assert mine.locator("em").inner_text() == "working parents"
    assert_accessible(page)

    # Reply to the neighbour from the consultation page.
    page.goto(f"{live_server}/consultations/{consultation.id}")
    theirs = comment_article(page, "The study space is full")
    theirs.get_by_role("link", name="Reply to Ned Neighbour").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Reply to Ned Neighbour"
    assert_accessible(page)
    page.get_by_label("Your reply").fill("Agreed: more desks, please.")
    page.get_by_role("button", name="Post reply").click()
    assert "Your reply has been posted." in page.get_by_role("main").inner_text()
    replies = page.get_by_role("list", name="Replies to Ned Neighbour")
    assert "Agreed: more desks, please." in replies.inner_text()

    # React: the button says it is pressed and the count moves, in place (dialogue.js);
    # pressing it again takes it back.
    theirs = comment_article(page, "The study space is full")
    helpful = theirs.get_by_role("button", name=re.compile(r"^Helpful"))
    assert helpful.get_attribute("aria-pressed") == "false"
    helpful.click()
    expect(helpful).to_have_attribute("aria-pressed", "true")
    expect(helpful.locator(".reaction-count")).to_have_text("1")
    expect(page.get_by_role("status").filter(has_text="You reacted")).to_have_text(
        "You reacted “Helpful”."
    )
    assert_accessible(page)
    helpful.click()
    expect(helpful).to_have_attribute("aria-pressed", "false")
    expect(helpful.locator(".reaction-count")).to_have_text("0")
    page.reload()
    agree = comment_article(page, "The study space is full").get_by_role(
        "button", name=re.compile(r"^Agree")
    )
    agree.click()
    expect(agree).to_have_attribute("aria-pressed", "true")
    page.reload()  # it was saved, not only shown
    theirs = comment_article(page, "The study space is full")
    expect(theirs.get_by_role("button", name=re.compile(r"^Agree"))).to_have_attribute(
        "aria-pressed", "true"
    )
    # One's own comment has counts, not buttons.
    mine = comment_article(page, "Agreed: more desks")
    assert mine.count() == 1
    assert mine.get_by_role("button", name=re.compile(r"^Helpful")).count() == 0

    # Edit within the window; the history is there for everyone.
    mine.get_by_role("link", name="Edit your comment").click()
    assert_accessible(page)
    page.get_by_label("Your comment").fill("Agreed: more desks and sockets, please.")
    page.get_by_role("button", name="Save changes").click()
    mine = comment_article(page, "more desks and sockets")
    mine.get_by_role("link", name=re.compile("edited")).click()
    assert "Agreed: more desks, please." in page.get_by_role("main").inner_text()
    assert_accessible(page)

    # Keyboard: the reply link takes focus with a visible outline.
    page.goto(f"{live_server}/consultations/{consultation.id}")
    link = page.get_by_role("link", name="Reply to Ned Neighbour")
    link.focus()
    outline = link.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline == "solid"


def test_an_officer_answers_a_question_with_an_official_response(
    live_server, browser, create_consultation, create_user, outbox
):
    consultation = create_consultation(title="Sunday library opening", response_days=5)
    officer = create_user(role=Role.OFFICER, display_name="Oscar Officer")
    asker = create_user(display_name="Quinn Questioner")

    resident = browser.new_context().new_page()
    sign_in_as(resident, live_server, asker)
    resident.goto(f"{live_server}/consultations/{consultation.id}")
    resident.get_by_label("Your comment").fill("Will the café open on Sundays too?")
    resident.get_by_label("This is a question for the council").check()
    resident.get_by_role("button", name="Post comment").click()
    question = comment_article(resident, "Will the café open")
    assert "Awaiting an official response" in question.inner_text()
    assert_accessible(resident)

    # Time passes beyond the standard: the question shows up as overdue for officers.
    asked = db.session.scalar(select(Comment).where(Comment.is_question.is_(True)))
    asked.question_due_at = asked.created_at - timedelta(minutes=1)
    db.session.commit()

    desk = browser.new_context().new_page()
    sign_in_as(desk, live_server, officer)
    desk.goto(f"{live_server}/consultations/{consultation.id}")
    desk.get_by_role("link", name="1 question is past the response standard").click()
    assert_accessible(desk)
    desk.get_by_role("link", name=re.compile("Will the café open")).click()
    desk.get_by_role("link", name="Reply to Quinn Questioner").click()
    desk.get_by_label("Your reply").fill("Yes: the café will open from 10:00 to 15:00.")
    desk.get_by_label("Post as the council's official response").check()
    assert_accessible(desk)
    desk.get_by_role("button", name="Post reply").click()
    answer = comment_article(desk, "the café will open")
    assert "Official council response" in answer.get_by_role("heading").inner_text()
    assert "comment-official" in (answer.get_attribute("class") or "")
    assert_accessible(desk)
    desk.goto(f"{live_server}/officer/overdue-questions")
    assert "No questions are overdue." in desk.get_by_role("main").inner_text()

    resident.goto(f"{live_server}/consultations/{consultation.id}")
    question = comment_article(resident, "Will the café open")
    assert "Answered" in question.inner_text()
    [message] = read_outbox(outbox)
    assert message["To"] == asker.email
    assert "responded officially" in message.get_content()
    resident.context.close()
    desk.context.close()
