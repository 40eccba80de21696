"""A comment hidden for a moderator, on its thread page: a moderator reads its words there,
marked as held, with a link to its case; everyone else but its author reads only that it
awaits moderation (its author reads their own words: tests/test_held_posts_journeys.py)."""

from __future__ import annotations

import pytest
from markupsafe import escape

from townhall.extensions import db
from townhall.moderation import service as moderation
from townhall.moderation.models import CaseState, Verdict
from townhall.moderation.registry import AWAITING_TEXT

# Held by the standards ("I know where you live." is a threat), and markup that would
# run if the held words reached the page unescaped.
HELD = 'I know where you live. <img src="x" onerror="alert(1)">'
MARK = "Held: waiting for a moderator"


@pytest.fixture
def held(post, citizen, neighbour):
    """A reply by Cleo, held for a moderator, under a published comment by Ned."""
    root = post(neighbour, "Sunday opening would help families.")
    comment = post(citizen, HELD, parent=root)
    case = moderation.find_case("comment", comment.id)
    assert case.state is CaseState.HELD
    return comment, case


def thread_page(client, comment) -> str:
    response = client.get(f"/consultations/{comment.consultation_id}/comments/{comment.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_moderator_reads_the_held_words_marked_with_a_link_to_the_case(
    client, sign_in, moderator, held
):
    comment, case = held
    sign_in(moderator)

    page = thread_page(client, comment)

    article = page.split(f'id="comment-{comment.id}"', 1)[1].split("</article>", 1)[0]
    assert MARK in article
    assert str(escape(HELD)) in article
    assert f'href="/moderation/cases/{case.id}"' in article
    assert AWAITING_TEXT not in article  # the words in place of the notice, for them
    assert '<img src="x"' not in page
    # The published comment above it is shown as it always is.
    assert "Sunday opening would help families." in page


@pytest.mark.parametrize("reader", ["anonymous", "neighbour"])
def test_everyone_else_reads_only_that_it_awaits_moderation(
    client, sign_in, citizen, neighbour, held, reader
):
    comment, case = held
    if reader != "anonymous":
        sign_in(citizen if reader == "author" else neighbour)

    page = thread_page(client, comment)

    assert AWAITING_TEXT in page
    assert "I know where you live" not in page
    assert MARK not in page
    assert f"/moderation/cases/{case.id}" not in page


def test_the_consultation_page_shows_moderators_the_held_words_too(
    client, sign_in, moderator, neighbour, held
):
    comment, case = held
    url = f"/consultations/{comment.consultation_id}"
    sign_in(moderator)
    page = client.get(url).get_data(as_text=True)
    assert MARK in page and str(escape(HELD)) in page
    assert f'href="/moderation/cases/{case.id}"' in page


def test_once_approved_the_comment_shows_as_any_other(client, sign_in, moderator, held):
    comment, case = held
    moderation.decide_case(case, moderator, Verdict.APPROVE)
    db.session.commit()
    sign_in(moderator)

    page = thread_page(client, comment)

    assert MARK not in page
    assert "I know where you live." in page


def test_a_comment_hidden_after_flags_is_read_by_moderators_in_place(
    client, sign_in, post, citizen, create_user, moderator
):
    comment = post(citizen, "The opening hours survey was badly worded.")
    threshold = moderation.current_standards().settings.flag_threshold
    for n in range(threshold):
        flagger = create_user(display_name=f"Flagger {n}")
        moderation.flag_post("comment", comment.id, flagger, "1.1")
    db.session.commit()
    case = moderation.find_case("comment", comment.id)
    assert case.state is CaseState.FLAGGED

    assert "badly worded" not in thread_page(client, comment)
    sign_in(moderator)
    page = thread_page(client, comment)
    assert MARK in page and "The opening hours survey was badly worded." in page
    assert f'href="/moderation/cases/{case.id}"' in page
