"""The flag form (issue 15, finding 12): it offers only the clauses a post of that kind
(by that author) is held to and a reader could see it break, quotes the post, and once
someone has flagged a post it says "You flagged this" instead of offering the form."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from townhall.accounts.permissions import Role
from townhall.consultations import service as consultations
from townhall.extensions import db
from townhall.moderation.flags import can_be_flagged_under, clauses_to_flag
from townhall.moderation.models import Flag
from townhall.moderation.registry import get_kind
from townhall.moderation.service import current_standards


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def offered(response) -> set[str]:
    """The clause numbers the form's clause list offers."""
    select_html = re.search(r'<select[^>]*name="clause".*?</select>', text_of(response), re.S)
    assert select_html, "the page offers no clause list"
    return set(re.findall(r'<option[^>]*value="([^"]+)"', select_html.group())) - {""}


@pytest.fixture
def comment(post, citizen, trust):
    trust(citizen)
    return post(citizen, "Sunday opening is a waste of\nmoney & time.")


def test_a_comment_is_offered_the_clauses_for_comments_only(client, sign_in, comment, neighbour):
    sign_in(neighbour)
    response = client.get(f"/moderation/flag/comment/{comment.id}")
    assert response.status_code == 200
    clauses = offered(response)
    # Every kind (1.1), comments and proposals (3.2, 5.2), and moderators' own (7.2).
    assert {"1.1", "3.2", "5.2", "7.2"} <= clauses
    # Announcements only (3.3, 9.1), display names only (6.1, 6.3), and clauses that
    # look at circumstances a reader cannot see (8.1 new member, 10.1 flag count).
    assert not clauses & {"3.3", "9.1", "6.1", "6.3", "8.1", "10.1"}


def test_an_officers_announcement_is_offered_the_clauses_for_it(
    client, sign_in, consultation, create_user, neighbour
):
    officer = create_user(role=Role.OFFICER)
    announcement = consultations.post_announcement(
        consultation, officer, "Drop-in", "Come on Tuesday."
    )
    db.session.commit()
    sign_in(neighbour)
    clauses = offered(client.get(f"/moderation/flag/announcement/{announcement.id}"))
    assert {"1.1", "3.3"} <= clauses
    # Comments' and proposals' clauses (3.2, 5.2), citizens' and staff's (4.1, 6.2).
    assert not clauses & {"3.2", "5.2", "4.1", "6.2", "8.1", "9.1", "10.1"}


def test_the_form_quotes_the_post(client, sign_in, comment, neighbour):
    sign_in(neighbour)
    page = client.get(f"/moderation/flag/comment/{comment.id}").get_data(as_text=True)
    quote = re.search(r"<blockquote[^>]*>(.*?)</blockquote>", page, re.S)
    assert quote and quote.group(1) == "Sunday opening is a waste of\nmoney &amp; time."


def test_a_clause_that_cannot_apply_is_refused(client, sign_in, post_form, comment, neighbour):
    sign_in(neighbour)
    url = f"/moderation/flag/comment/{comment.id}"
    response = post_form(url, {"clause": "3.3"}, token_page=url)
    assert response.status_code == 400
    assert "Choose a clause of the standards from the list." in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 0


def test_once_flagged_the_page_says_so_instead_of_offering_the_form(
    client, sign_in, post_form, comment, neighbour
):
    sign_in(neighbour)
    url = f"/moderation/flag/comment/{comment.id}"
    done = post_form(url, {"clause": "1.1", "note": "Rude"}, token_page=url)
    assert done.status_code == 303
    landing = text_of(client.get(done.headers["Location"]))
    assert "You flagged this comment." in landing

    again = client.get(url)
    assert again.status_code == 200
    page = text_of(again)
    assert "You flagged this comment" in page
    assert "clause 1.1: Do not abuse, insult or harass anyone" in page
    assert "Sunday opening is a waste of" in page
    assert 'name="clause"' not in page and "Flag it" not in page

    twice = post_form(url, {"clause": "1.1"}, token_page=url)
    assert twice.status_code == 409
    assert "You have already flagged this comment" in text_of(twice)
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 1


def test_a_post_with_the_moderators_is_not_quoted_or_offered(
    client, sign_in, post, citizen, neighbour
):
    held = post(citizen, "Ring Jo on 07700 900123 about the rota.")  # a new member's: held
    sign_in(neighbour)
    page = text_of(client.get(f"/moderation/flag/comment/{held.id}"))
    assert "already with the moderators" in page
    assert "07700" not in page and 'name="clause"' not in page


def test_which_clauses_can_be_flagged_under_comes_from_their_checks(app, comment):
    standards = current_standards()
    by_number = {c.number: c for c in standards.clauses}
    assert can_be_flagged_under(by_number["7.2"])  # no checks: moderators apply it
    assert can_be_flagged_under(by_number["1.1"])  # blocked terms read the post
    assert not can_be_flagged_under(by_number["8.1"])  # new_account
    assert not can_be_flagged_under(by_number["9.1"])  # quiet_period
    assert not can_be_flagged_under(by_number["10.1"])  # community_flags
    numbers = [c.number for c in clauses_to_flag(standards, get_kind("comment"), comment)]
    assert numbers == sorted(numbers, key=[c.number for c in standards.clauses].index)
