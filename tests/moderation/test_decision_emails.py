"""Moderation decisions, sanctions and appeal answers reach the author by email (unless
they turned moderation email off), citing the clause, with the moderator's note, a link
to their moderation page and how to appeal; nothing is sent for a rolled-back change."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import link_in
from townhall.database import utcnow
from townhall.extensions import db
from townhall.moderation import service
from townhall.moderation.models import SanctionKind, Verdict
from townhall.notifications.models import Notification, NotificationKind
from townhall.notifications.service import set_email_preferences

PHONE_POST = "Ring me on 07700 900123 about the library hours."
BASE = "http://127.0.0.1:5000"  # TOWNHALL_BASE_URL's default, as the suite runs


def moderation_notices(user) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.text).where(
                Notification.user_id == user.id, Notification.kind == NotificationKind.MODERATION
            )
        )
    )


def body_of(message) -> str:
    return message.get_content()


def titled(messages, subject: str):
    """The one message with this subject (files written in the same clock tick have no
    order, so tests never rely on it)."""
    [message] = [m for m in messages if m["Subject"] == subject]
    return message


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_a_held_post_emails_its_author_with_the_clause(post, citizen, mailbox):
    comment = post(citizen, "I would use the library on Sundays.")
    case = service.find_case("comment", comment.id)
    [message] = mailbox()
    assert message["To"] == citizen.email
    assert message["Subject"] == "Your comment is awaiting moderation"
    body = one_line(body_of(message))
    assert "Your comment on “Library opening hours” is not shown yet" in body
    assert "Clause 8.1: A new member's first posts are checked before they appear" in body
    # An absolute link to the author's own moderation page, at this post.
    assert link_in(message) == f"{BASE}/moderation/mine#case-{case.id}"
    # Nothing to appeal while it waits; they are told so.
    assert "appeal it from your moderation page" not in body
    assert "You do not need to do anything now" in body


def test_a_redacted_post_emails_its_author_with_the_clause_and_how_to_appeal(
    post, citizen, trust, mailbox
):
    trust(citizen)
    comment = post(citizen, PHONE_POST)
    case = service.find_case("comment", comment.id)
    [message] = mailbox()
    assert message["Subject"] == "Your comment was published with some text removed"
    body = one_line(body_of(message))
    assert "Clause 3.2: Do not post anyone's personal details" in body
    # The clause's explanation, in the standards' own words.
    assert "Email addresses, phone numbers, home addresses" in body
    assert link_in(message) == f"{BASE}/moderation/mine#case-{case.id}"
    assert f"{BASE}/consultations/" in body  # the published post, absolute
    assert "you can appeal it from your moderation page" in body
    # The email never repeats the details the standards removed.
    assert "07700" not in body


def test_a_post_a_moderator_rejects_emails_the_clause_the_note_and_how_to_appeal(
    post, citizen, moderator, mailbox
):
    comment = post(citizen, "I would use the library on Sundays.")
    case = service.find_case("comment", comment.id)
    service.decide_case(
        case, moderator, Verdict.REMOVE, clause_number="5.1", note="Please keep to the library."
    )
    db.session.commit()
    messages = mailbox()
    assert len(messages) == 2
    titled(messages, "Your comment is awaiting moderation")
    rejected = titled(messages, "Your comment was removed by a moderator")
    assert rejected["To"] == citizen.email
    body = one_line(body_of(rejected))
    assert "A moderator removed your comment on “Library opening hours”" in body
    assert "Clause 5.1: Stay on the topic of the consultation" in body
    assert "The moderator's note to you: Please keep to the library." in body
    assert link_in(rejected) == f"{BASE}/moderation/mine#case-{case.id}"
    assert "you can appeal it from your moderation page" in body
    # The in-app notice is there as before.
    assert any("was not published" in text for text in moderation_notices(citizen))


def test_turning_moderation_email_off_stops_the_email_but_not_the_notice(
    post, citizen, neighbour, moderator, mailbox
):
    set_email_preferences(citizen, {NotificationKind.MODERATION: False})
    db.session.commit()
    comment = post(citizen, "I would use the library on Sundays.")
    case = service.find_case("comment", comment.id)
    service.decide_case(case, moderator, Verdict.REMOVE, clause_number="5.1")
    service.sanction_user(citizen, moderator, SanctionKind.WARN, "5.1", "Stay on topic")
    # The same decisions on a neighbour who kept the default are emailed.
    other = service.find_case("comment", post(neighbour, "Sundays would suit me too.").id)
    service.decide_case(other, moderator, Verdict.REMOVE, clause_number="5.1")
    service.sanction_user(neighbour, moderator, SanctionKind.WARN, "5.1", "Stay on topic")
    db.session.commit()
    assert {m["To"] for m in mailbox()} == {neighbour.email}
    assert len(mailbox()) == 3
    told = moderation_notices(citizen)
    assert len(told) == 3
    assert any("awaiting moderation" in text for text in told)
    assert any("was not published" in text for text in told)
    assert any("warned you" in text for text in told)


def test_a_disabled_account_gets_no_email(citizen, moderator, mailbox):
    service.sanction_user(citizen, moderator, SanctionKind.WARN, "5.1", "Stay on topic")
    db.session.commit()
    assert len(mailbox()) == 1
    citizen.disabled_at = utcnow()
    db.session.commit()
    service.sanction_user(citizen, moderator, SanctionKind.WARN, "1.2", "Please do not swear")
    db.session.commit()
    assert len(mailbox()) == 1
    assert len(moderation_notices(citizen)) == 2


@pytest.mark.parametrize(
    ("kind", "hours", "subject", "said"),
    [
        (SanctionKind.WARN, None, "A moderator has warned you", "This is a warning only"),
        (SanctionKind.MUTE, 48, "You are muted until ", "you can read and sign in, but not post"),
        (SanctionKind.SUSPEND, 48, "Your account is suspended until ", "suspended your account"),
    ],
)
def test_a_sanction_emails_the_clause_the_reason_and_how_to_appeal(
    citizen, moderator, mailbox, kind, hours, subject, said
):
    sanction = service.sanction_user(
        citizen, moderator, kind, "1.1", "You called another resident names.", hours=hours
    )
    db.session.commit()
    [message] = mailbox()
    assert message["To"] == citizen.email
    assert message["Subject"].startswith(subject)
    body = one_line(body_of(message))
    assert said in body
    assert "clause 1.1 of" in body and "Do not abuse, insult or harass anyone" in body
    assert "The moderator's reason: You called another resident names." in body
    assert link_in(message) == f"{BASE}/moderation/mine#sanction-{sanction.id}"
    assert "you can appeal from your moderation page" in body
    if sanction.ends_at is not None:
        until = f"{sanction.ends_at.day} {sanction.ends_at:%B %Y, %H:%M} UTC"
        assert until in message["Subject"] and until in body


def test_an_upheld_appeal_emails_the_answer_and_the_published_post(
    post, citizen, moderator, second_moderator, mailbox
):
    comment = post(citizen, "I would use the library on Sundays.")
    case = service.find_case("comment", comment.id)
    service.decide_case(case, moderator, Verdict.REMOVE, clause_number="5.1")
    db.session.commit()
    appeal = service.appeal_case(case, citizen, "It is about the library's hours.")
    db.session.commit()
    sent = len(mailbox())
    service.decide_appeal(appeal, second_moderator, True, "You are right: it is on topic.")
    db.session.commit()
    messages = mailbox()
    assert len(messages) == sent + 1
    message = titled(messages, "Your appeal was upheld")
    assert message["To"] == citizen.email
    body = one_line(body_of(message))
    assert "your appeal against the decision on your comment on “Library opening hours”" in body
    assert "the decision is reversed and your comment is published as you wrote it" in body
    assert "Clause 5.1: Stay on the topic of the consultation" in body
    assert "The moderator's answer: You are right: it is on topic." in body
    assert link_in(message) == f"{BASE}/moderation/mine#case-{case.id}"
    assert re.search(rf"{re.escape(BASE)}/consultations/\S+#comment-{comment.id}", body)
    assert "this answer is final" in body


def test_a_dismissed_appeal_against_a_sanction_emails_the_answer(
    citizen, moderator, second_moderator, mailbox
):
    sanction = service.sanction_user(
        citizen, moderator, SanctionKind.MUTE, "1.2", "Please do not swear.", hours=24
    )
    db.session.commit()
    appeal = service.appeal_sanction(sanction, citizen, "I did not swear.")
    db.session.commit()
    service.decide_appeal(appeal, second_moderator, False, "The post used a blocked word.")
    db.session.commit()
    messages = mailbox()
    assert len(messages) == 2
    answered = titled(messages, "Your appeal was dismissed")
    body = one_line(body_of(answered))
    assert "your appeal against your mute" in body and "the decision stands" in body
    assert "Clause 1.2: Do not swear" in body
    assert "The moderator's answer: The post used a blocked word." in body
    assert link_in(answered) == f"{BASE}/moderation/mine#sanction-{sanction.id}"


def test_nothing_is_sent_when_the_transaction_rolls_back(
    post, citizen, moderator, second_moderator, mailbox
):
    comment = post(citizen, "I would use the library on Sundays.")
    case = service.find_case("comment", comment.id)
    sanction = service.sanction_user(
        citizen, moderator, SanctionKind.MUTE, "1.2", "Please do not swear.", hours=24
    )
    db.session.commit()
    appeal = service.appeal_sanction(sanction, citizen, "I did not swear.")
    db.session.commit()
    sent = len(mailbox())
    assert sent == 2  # held, muted

    service.decide_case(case, second_moderator, Verdict.REMOVE, clause_number="5.1")
    service.sanction_user(citizen, moderator, SanctionKind.WARN, "5.1", "Stay on topic")
    service.decide_appeal(appeal, second_moderator, True, "Lifted.")
    db.session.rollback()
    assert len(mailbox()) == sent
    # A later change that commits sends only its own email.
    service.sanction_user(citizen, moderator, SanctionKind.WARN, "5.1", "Stay on topic")
    db.session.commit()
    assert len(mailbox()) == sent + 1
    titled(mailbox(), "A moderator has warned you")
