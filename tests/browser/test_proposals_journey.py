"""Browser journey: a proposal is put forward, supported until shortlisted, put to a
ranked vote, counted, and the outcome published; the results page shows the rounds."""

from __future__ import annotations

import re

import pytest

from tests.browser.accessibility import assert_accessible
from tests.conftest import DEFAULT_PASSWORD
from townhall.accounts.permissions import Role
from townhall.extensions import db
from townhall.proposals import service

pytestmark = pytest.mark.browser


def sign_in(page, base: str, user) -> None:
    page.goto(base + "/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"^(?!.*/sign-in)"))


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()


def rank(page, base: str, vote_url: str, voter, choices: list[str]) -> None:
    sign_in(page, base, voter)
    page.goto(vote_url)
    for n, label in enumerate(choices, start=1):
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n, "th")
        page.get_by_label(f"{n}{suffix} choice").select_option(label=label)
    page.get_by_role("button", name="Cast my ballot").click()
    assert "Your ballot is recorded." in page.get_by_role("main").inner_text()
    receipt = page.locator("[data-receipt]").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}", receipt)
    sign_out(page)


def test_propose_support_vote_count_publish(live_server, page, create_consultation, create_user):
    officer = create_user(role=Role.OFFICER, display_name="Ola Officer")
    consultation = create_consultation(
        author=officer, title="Park improvements", uses_proposals=True, uses_voting=True
    )
    service.set_support_threshold(consultation, 2)
    db.session.commit()
    author, *others = [create_user(display_name=f"Resident {n}") for n in range(4)]
    consultation_url = f"{live_server}/consultations/{consultation.id}"

    # A citizen puts a proposal forward; a first try without a title and with a latitude
    # off the map keeps what was typed.
    sign_in(page, live_server, author)
    page.goto(consultation_url)
    assert_accessible(page)
    page.get_by_role("link", name="Put forward a proposal").click()
    assert_accessible(page)
    page.get_by_label("Your proposal").fill("Two **new benches** by the pond.")
    page.get_by_label("Latitude").fill("95")
    page.get_by_label("Longitude").fill("-1.26")
    page.get_by_role("button", name="Publish proposal").click()
    problems = page.get_by_role("alert").inner_text()
    assert "Give your proposal a title." in problems and "Latitude runs from -90 to 90." in problems
    assert page.get_by_label("Your proposal").input_value() == "Two **new benches** by the pond."
    assert page.get_by_label("Longitude").input_value() == "-1.26"
    assert_accessible(page)
    page.get_by_label("Latitude").fill("51.75")
    page.get_by_label("Title").fill("Benches by the pond")
    page.get_by_label("Estimated cost in pounds (optional)").fill("1200")
    page.get_by_role("button", name="Publish proposal").click()
    assert "Your proposal is published." in page.get_by_role("main").inner_text()
    assert "51.75000, -1.26000" in page.locator("[data-proposal-position]").inner_text()
    assert_accessible(page)
    sign_out(page)

    # Two others support it: it is shortlisted.
    for supporter in others[:2]:
        sign_in(page, live_server, supporter)
        page.goto(consultation_url)
        page.get_by_role("button", name="Support Benches by the pond").click()
        sign_out(page)
    page.goto(consultation_url)
    assert "Shortlisted" in page.locator("#proposals").inner_text()

    # The officer puts it to a ranked vote beside two stated options.
    sign_in(page, live_server, officer)
    page.goto(consultation_url)
    page.get_by_role("link", name="Set up a vote").click()
    assert_accessible(page)
    page.get_by_label("Question").fill("What should the park get first?")
    page.get_by_label("Counting method").select_option("irv")
    assert page.get_by_label("Benches by the pond (£1,200)").is_checked()
    page.get_by_label("Other options (optional)").fill("A wildflower meadow\nMore bins")
    page.get_by_role("button", name="Set up the vote").click()
    assert "The vote is set up." in page.get_by_role("main").inner_text()
    vote_url = page.url
    sign_out(page)

    # Citizens rank the options; a ballot ranking one option twice is sent back.
    sign_in(page, live_server, author)
    page.goto(vote_url)
    assert_accessible(page)
    page.get_by_label("1st choice").select_option(label="Benches by the pond")
    page.get_by_label("2nd choice").select_option(label="Benches by the pond")
    page.get_by_role("button", name="Cast my ballot").click()
    assert "more than once" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("2nd choice").input_value() != ""
    assert_accessible(page)
    page.get_by_label("2nd choice").select_option("")
    page.get_by_role("button", name="Cast my ballot").click()
    assert "Your ballot is recorded." in page.get_by_role("main").inner_text()
    assert_accessible(page)
    sign_out(page)
    rank(page, live_server, vote_url, others[0], ["Benches by the pond"])
    rank(page, live_server, vote_url, others[1], ["More bins", "Benches by the pond"])
    rank(page, live_server, vote_url, others[2], ["A wildflower meadow", "More bins"])
    rank(page, live_server, vote_url, officer, ["A wildflower meadow"])

    # The officer closes the vote, closes the consultation and publishes the outcome.
    sign_in(page, live_server, officer)
    page.goto(vote_url)
    page.get_by_role("button", name="Close the vote now").click()
    page.get_by_role("button", name="Close the vote now").click()  # on the page that asks
    assert "The vote is closed and counted." in page.get_by_role("main").inner_text()
    results_url = page.url
    page.goto(consultation_url)
    page.get_by_role("button", name="Close now").click()
    page.get_by_role("button", name="Close it now").click()
    page.goto(results_url)
    page.get_by_role("link", name="Publish the outcome").click()
    page.get_by_label("You said").fill("Benches came first after the second round.")
    page.get_by_label("We decided").fill("We will install two benches by the pond.")
    page.get_by_label("Why").fill("They won the ranked vote.")
    page.get_by_label("What happens next").fill("Installation in spring.")
    page.get_by_role("button", name="Publish outcome").click()
    sign_out(page)

    # Anyone sees the results, round by round, and the published outcome.
    page.goto(results_url)
    main = page.get_by_role("main").inner_text()
    assert "Round by round" in main and "Round 2" in main
    assert re.search(r"Winner\s+Benches by the pond", main)
    assert "Excluded: More bins" in main
    assert page.locator("svg.bar-chart[role=img]").count() == 1
    assert page.get_by_role("link", name="you said, we did").is_visible()
    assert_accessible(page)
