"""Opening, closing and archiving a consultation ask first, on a page that says what
will happen, and only the confirmed post does it (issue 15, finding 8)."""

from __future__ import annotations

import pytest

from townhall.consultations.models import Status
from townhall.extensions import db


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("status", "action", "heading", "consequence", "button", "after"),
    [
        (
            "draft",
            "open",
            "Open “Library opening hours” now?",
            "An open consultation cannot go back to draft",
            "Open it now",
            Status.OPEN,
        ),
        (
            "open",
            "close",
            "Close “Library opening hours” now?",
            "This cannot be undone: it cannot be reopened.",
            "Close it now",
            Status.CLOSED,
        ),
        (
            "closed",
            "archive",
            "Archive “Library opening hours”?",
            "This cannot be undone.",
            "Archive it",
            Status.ARCHIVED,
        ),
    ],
)
def test_an_irreversible_transition_asks_first(
    client, sign_in, post_form, create_consultation, status, action, heading, consequence,
    button, after,
):  # fmt: skip
    consultation = create_consultation(status=status)
    sign_in(consultation.created_by)
    path = f"/consultations/{consultation.id}"
    response = post_form(f"{path}/transition", {"action": action}, token_page=path)
    assert response.status_code == 200
    page = text_of(response)
    assert f"<h1>{heading}</h1>" in page and consequence in page
    assert f">{button}</button>" in page
    assert f'href="{path}">Cancel</a>' in page
    assert f'name="action" value="{action}"' in page
    db.session.refresh(consultation)
    assert consultation.status is Status(status)  # nothing happened yet

    response = post_form(
        f"{path}/transition", {"action": action, "confirm": "yes"}, token_page=path
    )
    assert response.status_code == 303
    db.session.refresh(consultation)
    assert consultation.status is after


def test_scheduling_is_not_asked_about(client, sign_in, post_form, create_consultation):
    consultation = create_consultation(status="draft")
    sign_in(consultation.created_by)
    path = f"/consultations/{consultation.id}"
    response = post_form(f"{path}/transition", {"action": "schedule"}, token_page=path)
    assert response.status_code == 303  # it can be put back to draft


def test_a_transition_not_offered_is_refused_without_asking(
    client, sign_in, post_form, create_consultation
):
    consultation = create_consultation(status="draft")
    sign_in(consultation.created_by)
    path = f"/consultations/{consultation.id}"
    response = post_form(f"{path}/transition", {"action": "close"}, token_page=path)
    assert response.status_code == 409
