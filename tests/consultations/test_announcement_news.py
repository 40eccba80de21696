"""What an officer is told after posting an announcement (issue 15, finding 3): held and
why, or posted and how many followers were told, never "followers have been told" when
no one was."""

from __future__ import annotations

import pytest

from townhall.consultations import service
from townhall.extensions import db


def _announce(client, post_form, consultation, body: str) -> str:
    path = f"/consultations/{consultation.id}"
    response = post_form(
        f"{path}/announcements",
        {"announcement-title": "Drop-in session", "announcement-body": body},
        token_page=path,
    )
    assert response.status_code == 303
    return client.get(path).get_data(as_text=True)


def test_a_held_announcement_says_it_is_held_and_why(
    client, sign_in, post_form, create_consultation, create_user
):
    consultation = create_consultation()
    service.follow(create_user(), consultation)
    db.session.commit()
    sign_in(consultation.created_by)
    page = _announce(client, post_form, consultation, "Ring Sam on 07700 900123 for the rota.")
    assert "Followers have been told" not in page
    assert "was told" not in page and "were told" not in page
    assert "held for a moderator" in page
    assert "3.3 Announcements carry only the council" in page
    assert "No one has been told yet" in page


@pytest.mark.parametrize(
    ("followers", "news"),
    [
        (0, "Announcement posted. No one follows this consultation yet, so no one was told."),
        (1, "Announcement posted. 1 follower was told."),
        (2, "Announcement posted. 2 followers were told."),
    ],
)
def test_a_posted_announcement_says_how_many_followers_were_told(
    client, sign_in, post_form, create_consultation, create_user, followers, news
):
    consultation = create_consultation()
    for _ in range(followers):
        service.follow(create_user(), consultation)
    # The officer follows their own consultation: they are not told of their own post.
    service.follow(consultation.created_by, consultation)
    db.session.commit()
    sign_in(consultation.created_by)
    page = _announce(client, post_form, consultation, "Come on Tuesday at 6.")
    assert news in page
    assert "Followers have been told" not in page


def test_the_service_reports_who_was_told(create_consultation, create_user):
    consultation = create_consultation()
    service.follow(create_user(), consultation)
    report = service.announce(consultation, consultation.created_by, "Hours", "Open 10 to 4.")
    assert not report.held and report.followers_told == 1
    held = service.announce(
        consultation, consultation.created_by, "Call us", "Ring Sam on 07700 900123."
    )
    assert held.held and held.followers_told == 0
    assert held.held_under[0].startswith("3.3 ")
