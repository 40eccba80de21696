"""The moderation case and appeal pages keep each label with its value (issue 15,
finding 5): in a definition list laid out as a grid, bare dt and dd elements each took a
cell, so labels and values ran together across three columns. At 375 px and 1280 px
every dt must sit directly above its dd, or beside it on the same line."""

from __future__ import annotations

import re

import pytest

from tests.conftest import DEFAULT_PASSWORD
from townhall.accounts.permissions import Role
from townhall.dialogue import service as dialogue
from townhall.extensions import db
from townhall.moderation import service as moderation
from townhall.moderation.models import Verdict
from townhall.moderation.service import STANDARDS_KEY
from townhall.moderation.standards import load_default_standards

pytestmark = pytest.mark.browser

WIDTHS = (375, 1280)

# Each dt with the dd after it, and where both sit on the page.
PAIRS = """
() => [...document.querySelectorAll("main dt")].map((dt) => {
  let dd = dt.nextElementSibling;
  while (dd && dd.tagName !== "DD") dd = dd.nextElementSibling;
  const box = (el) => { const r = el.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  return {label: dt.textContent.trim(), dt: box(dt), dd: dd ? box(dd) : null};
})
"""


def misplaced(pairs: list[dict]) -> list[str]:
    """The labels whose value is neither directly below them nor beside them."""
    wrong = []
    for pair in pairs:
        dt, dd = pair["dt"], pair["dd"]
        if dd is None:
            wrong.append(f"{pair['label']}: no dd follows it")
            continue
        below = abs(dd["left"] - dt["left"]) <= 4 and 0 <= dd["top"] - dt["bottom"] + 1 < 24
        beside = abs(dd["top"] - dt["top"]) <= 4 and 0 <= dd["left"] - dt["right"] + 1 < 48
        if not (below or beside):
            wrong.append(f"{pair['label']}: dt at {dt}, dd at {dd}")
    return wrong


def test_misplaced_finds_a_value_that_wrapped_to_the_next_row():
    label = {"left": 500, "right": 700, "top": 0, "bottom": 20}
    value = {"left": 0, "right": 200, "top": 30, "bottom": 50}
    assert misplaced([{"label": "Posted", "dt": label, "dd": value}])
    under = {"left": 500, "right": 700, "top": 22, "bottom": 42}
    assert not misplaced([{"label": "Posted", "dt": label, "dd": under}])


def test_case_and_appeal_pages_keep_each_label_with_its_value(
    app, live_server, page, create_consultation, create_user
):
    # The standards that ship: a new member's first posts are held (clause 8.1).
    app.extensions[STANDARDS_KEY] = load_default_standards()
    consultation = create_consultation(title="Sunday library opening")
    citizen = create_user(display_name="Cleo Citizen")
    moderator = create_user(role=Role.MODERATOR, display_name="Mona Moderator")
    appealed = dialogue.post_comment(consultation, citizen, "Open the library on Sundays.")
    waiting = dialogue.post_comment(consultation, citizen, "And on bank holidays too.")
    db.session.flush()
    case = moderation.find_case("comment", appealed.id)
    moderation.decide_case(case, moderator, Verdict.REMOVE, clause_number="5.1")
    appeal = moderation.appeal_case(case, citizen, "It is on the topic: Sunday opening.")
    held = moderation.find_case("comment", waiting.id)
    db.session.commit()

    page.goto(live_server + "/sign-in")
    page.get_by_label("Email address").fill(moderator.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))

    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for path in (
            f"/moderation/cases/{held.id}",
            f"/moderation/cases/{case.id}",
            f"/moderation/appeals/{appeal.id}",
            "/standards",
        ):
            page.goto(live_server + path)
            pairs = page.evaluate(PAIRS)
            assert len(pairs) >= 2, path
            problems += [f"{path} at {width} px: {wrong}" for wrong in misplaced(pairs)]
    assert not problems, "\n".join(problems)
