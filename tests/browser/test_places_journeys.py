"""Browser journeys for places: checking in at a library, a task done while an officer
watches, a saved area told of a consultation opening, and nearby mode on a walk."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible
from tests.conftest import DEFAULT_PASSWORD
from tests.places.conftest import LIBRARY, PARK, place_maker
from townhall.accounts.permissions import Role
from townhall.consultations import service as consultations
from townhall.database import utcnow
from townhall.extensions import db
from townhall.places import service
from townhall.proposals import service as proposals
from townhall.proposals import votes
from townhall.proposals.models import Method

pytestmark = pytest.mark.browser


@pytest.fixture
def create_place(app, areas):
    """Make a place (as in tests/places)."""
    return place_maker(areas)


def open_as(browser, live_server, user, path: str, **context_options):
    """A page in its own context, signed in as `user`, showing `path`."""
    context = browser.new_context(**context_options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(live_server + "/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))
    page.goto(live_server + path)
    return context, page


def test_check_in_at_a_library_and_see_its_consultations(
    browser, live_server, create_user, create_place, create_consultation
):
    library = create_place()
    sunday = create_consultation(
        title="Sunday opening hours", uses_proposals=True, uses_voting=True
    )
    service.link_consultation(library, sunday)
    now = utcnow()
    votes.create_vote(
        sunday,
        sunday.created_by,
        votes.VoteDetails(
            title="Open on Sundays from May?",
            method=Method.MAJORITY,
            opens_at=now - timedelta(minutes=1),
            closes_at=now + timedelta(days=7),
        ),
        now=now - timedelta(minutes=2),
    )
    proposals.submit_proposal(
        sunday,
        create_user(display_name="Paula Proposer"),
        proposals.ProposalDetails(
            title="Book swap shelf by the door",
            body="Bring a book, take a book.",
            latitude=LIBRARY[0] + 0.002,  # about 220 metres north
            longitude=LIBRARY[1],
        ),
    )
    create_consultation(
        title="Library car park", latitude=LIBRARY[0], longitude=LIBRARY[1], radius_m=300
    )
    db.session.commit()
    officer = create_user(role=Role.OFFICER)
    desk_context, desk = open_as(browser, live_server, officer, f"/places/{library.id}")
    desk.get_by_role("link", name="Print the check-in poster").click()
    assert desk.locator("svg").count() == 1
    short_link = desk.locator(".poster-url").inner_text()
    assert_accessible(desk)
    desk_context.close()

    resident = create_user(display_name="Rita Resident")
    context, page = open_as(
        browser,
        live_server,
        resident,
        "/",
        geolocation={"latitude": LIBRARY[0], "longitude": LIBRARY[1]},
        permissions=["geolocation"],
    )
    page.goto(short_link)  # as the poster's QR code does
    main = page.get_by_role("main")
    expect(main).to_contain_text("Sunday opening hours")
    expect(main).to_contain_text("Library car park")
    expect(page.locator("#votes-here")).to_contain_text("Open on Sundays from May?")
    expect(page.locator("#proposals-here")).to_contain_text("Book swap shelf by the door")
    expect(page.locator("#proposals-here")).to_contain_text("about 220 metres away")
    assert_accessible(page)
    page.get_by_label(re.compile("Share my position once")).check()
    page.get_by_role("button", name="Check in here").click()
    expect(page.get_by_role("main")).to_contain_text("You are checked in at Central Library")
    expect(page.get_by_role("main")).to_contain_text("1 check-in here so far")

    # The vote to cast there leads to its ballot; back at the library, it is marked cast.
    page.get_by_role("link", name="Cast your vote in “Open on Sundays from May?”").click()
    expect(page.get_by_role("heading", name="Your ballot")).to_be_visible()
    page.get_by_label("For", exact=True).check()
    page.get_by_role("button", name="Cast my ballot").click()
    expect(page.get_by_role("main")).to_contain_text("Your ballot is recorded.")
    page.goto(short_link)
    expect(page.locator("#votes-here")).to_contain_text("You have voted")
    page.get_by_role("link", name="Book swap shelf by the door").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book swap shelf by the door")
    expect(page.get_by_role("main")).to_contain_text("On the map")
    context.close()


def test_staff_complete_a_task_while_an_officer_watches(
    browser, live_server, create_user, create_place
):
    library = create_place()
    officer = create_user(role=Role.OFFICER, display_name="Olive Officer")
    staff = create_user(role=Role.STAFF, display_name="Sam Staff")
    service.create_task(
        officer, library.id, "Collect the paper feedback forms", utcnow() + timedelta(days=1)
    )
    db.session.commit()

    board_context, board = open_as(browser, live_server, officer, "/tasks")
    board.wait_for_selector("html[data-live='on']")
    row = board.locator("#task-board tr", has_text="Collect the paper feedback forms")
    expect(row).to_contain_text("Waiting")
    assert_accessible(board)

    context, page = open_as(browser, live_server, staff, f"/c/{service.check_in_code(library)}")
    page.get_by_role("button", name="Check in here").click()
    tasks = page.locator("#tasks-here")
    expect(tasks).to_contain_text("Collect the paper feedback forms")
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("^Accept")).click()
    expect(board.locator("#task-board tr", has_text="Collect the paper")).to_contain_text(
        "Accepted"
    )
    page.get_by_label(re.compile("^Note")).fill("Forms are in the post tray")
    page.get_by_role("button", name=re.compile("^Mark done")).click()
    done = board.locator("#task-board tr", has_text="Collect the paper")
    expect(done).to_contain_text("Done")
    expect(done).to_contain_text("Forms are in the post tray")
    assert board.evaluate("document.documentElement.dataset.live") == "on"  # never reloaded
    context.close()
    board_context.close()


def test_a_saved_area_is_told_when_a_consultation_opens(
    browser, live_server, create_user, create_consultation
):
    resident = create_user(display_name="Ada Area")
    context, page = open_as(browser, live_server, resident, "/places/areas")
    page.get_by_label("Name for this area").fill("Near home")
    page.get_by_label("Latitude").fill(str(LIBRARY[0]))
    page.get_by_label("Longitude").fill(str(LIBRARY[1]))
    page.get_by_label("Radius in metres").fill("-10")
    page.get_by_role("button", name="Save this area").click()
    expect(page.get_by_role("alert")).to_contain_text("from 1 to 50,000 metres")
    page.get_by_label("Radius in metres").fill("800")
    page.get_by_role("button", name="Save this area").click()
    expect(page.get_by_role("main")).to_contain_text("Near home: within 800 metres")
    assert_accessible(page)
    page.wait_for_selector("html[data-live='on']")
    page.wait_for_timeout(500)  # joined its own room

    consultation = create_consultation(
        status="draft",
        title="New crossing on Library Road",
        latitude=LIBRARY[0] + 0.003,
        longitude=LIBRARY[1],
        radius_m=200,
    )
    consultations.open_consultation(consultation)
    db.session.commit()

    expect(page.locator("#live-announcer")).to_contain_text("New crossing on Library Road")
    page.get_by_role("link", name=re.compile("Notifications")).click()
    page.get_by_role("link", name=re.compile("New crossing on Library Road")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("New crossing on Library Road")
    context.close()


def test_nearby_mode_on_a_walk_from_the_library_to_the_park(
    app, browser, live_server, create_user, create_place, create_consultation
):
    app.config["PLACES_NEARBY_INTERVAL_SECONDS"] = 1
    create_place()
    park = create_place(name="South Park", latitude=PARK[0], longitude=PARK[1])
    service.link_consultation(park, create_consultation(title="New play area"))
    db.session.commit()
    walker = create_user()
    context, page = open_as(
        browser,
        live_server,
        walker,
        "/places/areas",
        geolocation={"latitude": LIBRARY[0], "longitude": LIBRARY[1]},
        permissions=["geolocation"],
    )
    page.get_by_role("button", name="Turn on nearby mode").click()
    items = page.locator("[data-nearby-items]")
    expect(items).to_contain_text("Central Library")
    expect(items).not_to_contain_text("South Park")
    assert_accessible(page)
    # Walk: part way (nothing new within 1 km of here), then into the park.
    context.set_geolocation({"latitude": 51.7508, "longitude": -1.2444})
    page.wait_for_timeout(1500)
    context.set_geolocation({"latitude": PARK[0], "longitude": PARK[1]})
    expect(items).to_contain_text("South Park")
    expect(items).to_contain_text("New play area (at South Park)")
    # Each item once: the library is not repeated on the way.
    assert items.get_by_text("Central Library").count() == 1
    expect(page.locator("[data-nearby-status]")).to_contain_text("new nearby")
    context.close()
