"""What people type is kept by one Unicode policy, however it arrives: a form, the API, a
socket or a service call (issue 14, findings 4 and 6)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from townhall.accounts import service as accounts
from townhall.accounts.models import User
from townhall.accounts.permissions import Role
from townhall.consultations.models import Consultation
from townhall.dialogue.models import Comment
from townhall.extensions import db
from townhall.json_input import loads
from townhall.typed_text import clean_body, clean_line

RLO = "\u202e"  # right-to-left override
FULLWIDTH_COUNCIL = "\uff23\uff2f\uff35\uff2e\uff23\uff29\uff2c"  # "COUNCIL", fullwidth
WALES_FLAG = "\U0001f3f4\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # joined by zero-width joiners
GOOD = "tangerine bicycle lantern"


# --- the policy -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        (RLO + "recifO licnuoC", "recifO licnuoC"),
        ("\u2066Council\u2069 \u202aOfficer\u202c", "Council Officer"),
        ("\u200fCouncil\u200e\u061c", "Council"),
        ("Ding\adong", "Dingdong"),
        ("nul\x00here", "nulhere"),
        ("esc\x1b[31mred", "esc[31mred"),
        ("c\x85ontrol\x7f", "control"),
        (FULLWIDTH_COUNCIL, "COUNCIL"),
        ("\ufb01sh", "fish"),
        ("co\u200bun\u2060cil\ufeff", "council"),
        ("lone \ud800surrogate", "lone surrogate"),
        ("e\u200b\u0301", "\u00e9"),  # an accent parted from its letter by nothing seen
    ],
)
def test_what_disguises_or_controls_text_is_dropped(typed, kept):
    assert clean_line(typed) == kept
    assert clean_body(typed) == kept


def test_joiners_and_tag_characters_that_emoji_and_scripts_need_are_kept():
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # with a non-joiner
    for text in (FAMILY, WALES_FLAG, persian, "Llanfair\u00adpwll", "Caf\u00e9 \u2014 \u00a3"):
        assert clean_body(text) == text


def test_a_body_keeps_its_lines_and_tabs_as_lf():
    assert (
        clean_body("one\r\ntwo\rthree\nfour\tcol\u2028five") == "one\ntwo\nthree\nfour\tcol\nfive"
    )


def test_a_single_line_loses_its_line_breaks_and_tabs():
    assert clean_line("Library\r\nopening\there\nnow") == "Library opening here now"


def test_the_policy_is_idempotent():
    for text in (RLO + "x\r\n\ty\x00", "e\u200b\u0301", FULLWIDTH_COUNCIL + "\u2028"):
        assert clean_body(clean_body(text)) == clean_body(text)
        assert clean_line(clean_line(text)) == clean_line(text)


def test_json_strings_are_cleaned_keys_and_all():
    data = loads(b'{"na\\u0000me": ["a\\u202eb", {"c": "x\\r\\ny\\u0007"}], "n": 1}')
    assert data == {"name": ["ab", {"c": "x\ny"}], "n": 1}
    assert loads('"\\uff23\\u200b"') == "C"


# --- display names, whichever way they are set ------------------------------------------


def test_sign_up_keeps_no_override_and_no_bell_in_a_display_name(post_form):
    response = post_form(
        "/sign-up",
        {
            "display_name": RLO + "recifO licnuoC\a",
            "email": "spoof@example.org",
            "password": GOOD,
            "confirm": GOOD,
        },
        token_page="/sign-up",
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Check your email" in response.get_data(as_text=True)
    user = db.session.scalars(select(User).where(User.email == "spoof@example.org")).one()
    assert user.display_name == "recifO licnuoC"


def test_a_fullwidth_official_name_is_judged_as_the_name_it_reads_as(post_form):
    from townhall.moderation.models import ModerationCase
    from townhall.moderation.names import PLACEHOLDER

    fullwidth = (
        "\uff23\uff4f\uff55\uff4e\uff43\uff49\uff4c \uff2f\uff46\uff46\uff49\uff43\uff45\uff52"
    )
    response = post_form(
        "/sign-up",
        {"display_name": fullwidth, "email": "fw@example.org", "password": GOOD, "confirm": GOOD},
        token_page="/sign-up",
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    user = db.session.scalars(select(User).where(User.email == "fw@example.org")).one()
    # Clause 6.1 (impersonation) holds "Council Officer" for a moderator to look at.
    assert user.display_name == PLACEHOLDER
    case = db.session.scalars(select(ModerationCase)).one()
    assert case.original_text == "Council Officer"
    assert "6.1" in case.clauses


def test_every_path_that_sets_a_display_name_cleans_it(app):
    user = accounts.register_user(
        "cli@example.org", RLO + "Nia\x00 \uff32\uff28\uff39\uff33", GOOD, role=Role.STAFF
    )
    assert user.display_name == "Nia RHYS"
    user.display_name = "Ding\a \u200bdong\n\tRhys"  # an admin, a future path
    assert user.display_name == "Ding dong Rhys"
    assert accounts.normalise_email(" \uff2e\uff29\uff21@Example.org\x00") == "nia@example.org"


# --- forms ------------------------------------------------------------------------------


def test_a_comment_form_keeps_lines_but_no_nul_override_or_bell(
    client, sign_in, create_user, post_form, create_consultation
):
    consultation = create_consultation(status="open", title="Library opening hours")
    sign_in(create_user())
    page = f"/consultations/{consultation.id}"
    response = post_form(
        f"{page}/comments",
        {"comment-body": "First line\r\nSecond\x00 line " + RLO + "evil\a\r\n\tindented"},
        token_page=page,
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)
    comment = db.session.scalars(select(Comment)).one()
    assert comment.body == "First line\nSecond line evil\n\tindented"


def test_a_title_typed_in_a_form_is_one_line(client, create_user, sign_in, post_form, areas):
    from tests.consultations.test_views import consultation_form

    sign_in(create_user(role=Role.OFFICER))
    data = consultation_form(
        areas, title="Sunday\r\nopening\tat the " + FULLWIDTH_COUNCIL + "\x00 library"
    )
    response = post_form("/consultations/new", data, token_page="/consultations/new")
    assert response.status_code == 302, response.get_data(as_text=True)
    consultation = db.session.scalars(select(Consultation)).one()
    assert consultation.title == "Sunday opening at the COUNCIL library"


# --- the API ----------------------------------------------------------------------------


def test_the_api_stores_no_nul_override_or_bell_and_keeps_lines(
    api_as, create_user, create_consultation
):
    consultation = create_consultation(status="open", title="Library opening hours")
    api = api_as(create_user(), "write")
    response = api.post(
        f"/consultations/{consultation.id}/comments",
        {"body": "Opening\x00 " + RLO + "hours\a\r\nSecond line " + FULLWIDTH_COUNCIL},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    comment = db.session.scalars(select(Comment)).one()
    assert comment.body == "Opening hours\nSecond line COUNCIL"
    assert response.get_json()["body"] == comment.body


@pytest.fixture
def api_as(client, app):
    """`api_as(user, *scopes)`: call the API with a token of `user`'s (as tests/api does)."""
    from tests.api.conftest import Api
    from townhall.api.tokens import create_token

    app.config["TOWNHALL_WEBHOOKS_IN_BACKGROUND"] = False

    def make(user: User, *scopes: str):
        db.session.commit()
        made = create_token(user, "test", list(scopes))
        db.session.commit()
        return Api(client, made.secret)

    return make


# --- searches ---------------------------------------------------------------------------


def test_a_search_is_one_line_of_typed_text_on_pages_and_the_api(client, create_consultation):
    create_consultation(status="open", title="Library opening hours")
    # A NUL (which PostgreSQL refuses in a query), an override and fullwidth letters.
    typed = "%EF%BC%AC%EF%BD%89%EF%BD%82%00rary%E2%80%AE"  # fullwidth "Lib", NUL, "rary", RLO
    page = client.get(f"/consultations?q={typed}")
    assert page.status_code == 200
    assert "Library opening hours" in page.get_data(as_text=True)
    found = client.get(f"/api/v1/consultations?q={typed}")
    assert found.status_code == 200
    assert [c["title"] for c in found.get_json()["items"]] == ["Library opening hours"]
