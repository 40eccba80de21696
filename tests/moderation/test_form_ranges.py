"""Numbers in moderators' forms: ticked cases and sanction hours out of range (or no
numbers at all) are refused in the moderator's words, with what they typed kept."""

from __future__ import annotations

import pytest

from tests.form_ranges import assert_sent_back
from townhall.accounts.permissions import Role
from townhall.database import MAX_ID
from townhall.extensions import db
from townhall.moderation.models import Sanction

TOO_BIG = str(MAX_ID + 1)
HUGE = "99999999999999999999"


@pytest.mark.parametrize("value", [HUGE, TOO_BIG, "0", "first"])
def test_bulk_decisions_on_cases_not_on_the_list_are_refused(
    client, create_user, sign_in, post_form, value
):
    sign_in(create_user(role=Role.MODERATOR))
    response = post_form(
        "/moderation/bulk",
        {"cases": value, "verdict": "approve"},
        token_page="/moderation",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Tick posts from the list." in html
    assert "could not coerce" not in html


@pytest.mark.parametrize("hours", [HUGE, TOO_BIG, "8761", "0", "a week"])
def test_a_sanction_for_hours_out_of_range_comes_back(
    client, create_user, sign_in, post_form, hours
):
    person = create_user(display_name="Sam Shouty")
    sign_in(create_user(role=Role.MODERATOR))
    response = post_form(
        f"/moderation/people/{person.id}/sanction",
        {"kind": "mute", "clause": "5.1", "reason": "Shouting at other people.", "hours": hours},
        token_page="/moderation",
    )
    assert_sent_back(
        response,
        "hours",
        "From 1 to 8,760 hours.",
        kept=(f'value="{hours}"', "Shouting at other people."),
    )
    assert db.session.scalars(db.select(Sanction)).first() is None
