"""Every radio or checkbox group goes through one macro (templates/macros/forms.html
`choice_group`), so an error in one reads the same to a screen reader as any field's: the
message has an id, the group's fieldset names it in aria-describedby, it starts with a
hidden "Error:", and the error summary's link lands on the group's first input."""

from __future__ import annotations

import re
from datetime import timedelta

import lxml.html
import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible
from tests.conftest import DEFAULT_PASSWORD
from tests.proposals.vote_forms import vote_form
from townhall.accounts.permissions import Role
from townhall.database import utcnow
from townhall.dialogue import service as dialogue
from townhall.extensions import db
from townhall.moderation import service as moderation
from townhall.proposals import service as proposals


def assert_group_error(response, field_id: str, message: str) -> lxml.html.HtmlElement:
    """The page came back 4xx with `message` as the error of the group `field_id`, tied to
    its fieldset, prefixed for screen readers, and linked from the summary to its first
    input. Returns the page."""
    html = response.get_data(as_text=True)
    assert 400 <= response.status_code < 500, (response.status_code, html[:3000])
    doc = lxml.html.fromstring(html)

    ids = doc.xpath("//@id")
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)

    errors = doc.xpath("//*[@id=$id]", id=f"{field_id}-error")
    assert len(errors) == 1, f"no element with id {field_id}-error"
    error = errors[0]
    assert "error-message" in error.classes
    prefix = error.xpath("./span[@class='visually-hidden']")
    assert prefix and prefix[0].text_content() == "Error:"
    assert error.text_content().startswith("Error:")
    assert message in error.text_content()

    fieldsets = error.xpath("ancestor::fieldset[1]")
    assert fieldsets, "the error is not inside the group's fieldset"
    fieldset = fieldsets[0]
    assert f"{field_id}-error" in fieldset.get("aria-describedby", "").split()
    for described in fieldset.get("aria-describedby").split():
        assert doc.xpath("//*[@id=$id]", id=described), f"aria-describedby names no {described}"
    legend = fieldset.xpath("./legend")
    assert legend and legend[0].text_content().strip()
    inputs = fieldset.xpath(".//input[@type='radio' or @type='checkbox']")
    assert inputs, "the group has no inputs"
    for box in inputs:  # every input is labelled
        assert doc.xpath("//label[@for=$id]", id=box.get("id")), box.get("id")

    links = doc.xpath("//*[@data-error-summary]//a[@href]")
    to_group = [a for a in links if message in a.text_content()]
    assert to_group, f"the summary does not give {message!r}"
    for link in links:  # every link in the summary lands on an element of the page
        target = link.get("href").removeprefix("#")
        assert doc.xpath("//*[@id=$id]", id=target), f"the summary links to no {target}"
    assert to_group[0].get("href") == f"#{inputs[0].get('id')}", "not to the first input"
    return doc


# --- consultations ------------------------------------------------------------------


def consultation_form(areas, **overrides):
    data = {
        "title": "Sunday opening at the central library",
        "summary": "Should the library open on Sundays?",
        "body": "We propose **Sunday** opening.",
        "process_area_id": str(areas["Community Consultations"].id),
        "service_area_id": str(areas["Libraries"].id),
        "audience": "public",
        "closes_at": (utcnow() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
        "uses_dialogue": "y",
        "response_days": "10",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    ("audience", "message"),
    [
        ("everyone", "Choose who it is for: everyone or council staff only."),
        ("", "Choose who it is for"),
    ],
)
def test_a_consultations_audience_error_is_tied_to_its_group(
    client, sign_in, post_form, create_user, areas, audience, message
):
    sign_in(create_user(role=Role.OFFICER))
    data = consultation_form(areas, audience=audience)
    response = post_form("/consultations/new", data, token_page="/consultations/new")
    doc = assert_group_error(response, "audience", message)
    assert doc.xpath("//input[@value='Sunday opening at the central library']")  # kept


def test_editing_a_consultation_ties_the_audience_error_too(
    client, sign_in, post_form, create_consultation, create_user, areas
):
    officer = create_user(role=Role.OFFICER)
    consultation = create_consultation(status="draft", author=officer)
    sign_in(officer)
    url = f"/consultations/{consultation.id}/edit"
    response = post_form(url, consultation_form(areas, audience="nobody"), token_page=url)
    assert_group_error(response, "audience", "Choose who it is for: everyone or council staff")


@pytest.mark.parametrize("kind", ["parks", None])
def test_adding_an_area_to_no_list_ties_the_error_to_the_list_group(
    client, sign_in, post_form, create_user, areas, kind
):
    sign_in(create_user(role=Role.ADMIN))
    data = {"name": "Parks"} | ({"kind": kind} if kind else {})
    response = post_form("/admin/areas", data, token_page="/admin/areas")
    assert_group_error(response, "kind", "Choose a list")


# --- proposals: setting up a vote -----------------------------------------------------


@pytest.fixture
def voting_consultation(create_consultation, create_user):
    officer = create_user(role=Role.OFFICER, display_name="Ola Officer")
    consultation = create_consultation(author=officer, uses_proposals=True, uses_voting=True)
    return consultation, officer


@pytest.mark.parametrize(
    ("eligibility", "message"),
    [("everyone", "Choose who may vote from the list."), ("", "Choose who may vote")],
)
def test_a_votes_eligibility_error_has_an_id_tied_to_its_group(
    client, sign_in, post_form, voting_consultation, eligibility, message
):
    consultation, officer = voting_consultation
    sign_in(officer)
    url = f"/consultations/{consultation.id}/votes/new"
    response = post_form(url, vote_form(eligibility=eligibility), token_page=url)
    doc = assert_group_error(response, "eligibility", message)
    fieldset = doc.get_element_by_id("eligibility-error").getparent()
    hint = doc.get_element_by_id("eligibility-hint")
    assert "home location" in hint.text_content()
    assert fieldset.get("aria-describedby").split() == ["eligibility-hint", "eligibility-error"]


def test_a_vote_on_proposals_off_the_shortlist_ties_the_error_to_the_checkboxes(
    client, sign_in, post_form, voting_consultation, create_user
):
    consultation, officer = voting_consultation
    citizens = [create_user() for _ in range(2)]
    proposals.set_support_threshold(consultation, 1)
    proposal = proposals.submit_proposal(
        consultation, citizens[0], proposals.ProposalDetails("Benches", "By the river.")
    )
    proposals.support_proposal(proposal, citizens[1])
    db.session.commit()
    sign_in(officer)
    url = f"/consultations/{consultation.id}/votes/new"
    response = post_form(url, vote_form(proposal_ids=[str(proposal.id), "benches"]), token_page=url)
    assert_group_error(response, "proposal_ids", "Choose from the shortlisted proposals.")


# --- places: topics -----------------------------------------------------------------


def test_topics_off_the_list_are_an_error_beside_the_topics(
    client, sign_in, post_form, create_user, areas
):
    sign_in(create_user())
    response = post_form(
        "/places/areas",
        {"form": "topics", "t-topics": [str(areas["Libraries"].id), "parks"]},
        token_page="/places/areas",
    )
    assert_group_error(response, "t-topics", "Choose topics from the list.")


# --- moderation -----------------------------------------------------------------------


@pytest.fixture
def held_case(create_consultation, create_user):
    """A citizen's comment held for a moderator (a threat, clause 1.3); its case."""
    consultation = create_consultation()
    author = create_user(display_name="Cleo Citizen")
    comment = dialogue.post_comment(consultation, author, "I know where you live.")
    db.session.commit()
    case = moderation.find_case("comment", comment.id)
    assert case is not None and case.state.value == "held", case
    return case


@pytest.fixture
def moderator(create_user, sign_in):
    person = create_user(role=Role.MODERATOR, display_name="Mona Moderator")
    sign_in(person)
    return person


def test_a_decision_with_no_verdict_ties_the_error_to_the_decision_group(
    client, post_form, held_case, moderator
):
    url = f"/moderation/cases/{held_case.id}"
    response = post_form(url, {"note": "Looked at it."}, token_page=url)
    assert_group_error(response, "verdict", "Choose a decision.")


def test_a_bulk_decision_with_nothing_ticked_links_to_the_first_post(
    client, post_form, held_case, moderator
):
    response = post_form("/moderation/bulk", {"verdict": "maybe"}, token_page="/moderation")
    doc = assert_group_error(response, "verdict", "Choose approve or reject.")
    first = doc.xpath("//*[@data-error-summary]//a[text()='Tick at least one post.']")
    assert first and first[0].get("href") == "#cases"
    box = doc.get_element_by_id("cases")
    assert box.get("type") == "checkbox" and box.get("value") == str(held_case.id)


def test_a_sanction_of_no_kind_ties_the_error_to_the_sanction_group(
    client, post_form, create_user, moderator
):
    person = create_user(display_name="Pat Person")
    url = f"/moderation/people/{person.id}/sanction"
    response = post_form(url, {"clause": "1.1", "reason": "Abuse."}, token_page=url)
    assert_group_error(response, "kind", "Choose warn, mute or suspend.")


# --- in a browser: axe on the error pages, and the summary's link reaches the group ----


def _sign_in_page(page, live_server, user) -> None:
    page.goto(live_server + "/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


@pytest.mark.browser
def test_a_group_error_passes_axe_and_its_summary_link_lands_on_the_first_choice(
    live_server, page, create_user, areas
):
    _sign_in_page(page, live_server, create_user(role=Role.ADMIN))
    page.goto(live_server + "/admin/areas")
    page.get_by_label("Name", exact=True).fill("Parks")
    page.get_by_role("button", name="Add area").click()  # no list chosen
    group = page.get_by_role("group", name="List")
    expect(group).to_have_attribute("aria-describedby", "kind-error")
    expect(page.locator("#kind-error")).to_have_text("Error: Choose a list.")
    assert_accessible(page)
    page.locator("[data-error-summary]").get_by_role("link", name="Choose a list.").click()
    expect(page.locator("#kind")).to_be_focused()
    expect(group.get_by_role("radio").first).to_be_focused()


@pytest.mark.browser
def test_a_vote_with_a_bad_eligibility_passes_axe(live_server, page, voting_consultation):
    consultation, officer = voting_consultation
    _sign_in_page(page, live_server, officer)
    page.goto(f"{live_server}/consultations/{consultation.id}/votes/new")
    page.get_by_label("Question").fill("Which fruit?")
    page.get_by_label("Other options (optional)").fill("Apples\nBananas")
    # No page offers a wrong choice: put one in as a tampered form would.
    page.locator("input[name=eligibility]").first.evaluate("box => { box.value = 'everyone' }")
    page.get_by_role("button", name="Set up the vote").click()
    group = page.get_by_role("group", name="Who may vote")
    expect(group).to_have_attribute("aria-describedby", "eligibility-hint eligibility-error")
    expect(page.locator("#eligibility-error")).to_have_text(
        "Error: Choose who may vote from the list."
    )
    expect(page.get_by_label("Question")).to_have_value("Which fruit?")
    assert_accessible(page)


# --- API tokens -----------------------------------------------------------------------


def test_a_token_with_scopes_off_the_list_ties_the_error_to_the_scopes(
    client, sign_in, post_form, create_user
):
    sign_in(create_user())
    response = post_form(
        "/account/api-tokens",
        {"name": "Ward map", "scopes": ["read", "everything"]},
        token_page="/account/api-tokens",
    )
    assert_group_error(response, "scopes", "Choose scopes from the list.")
