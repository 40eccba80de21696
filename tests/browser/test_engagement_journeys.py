"""Browser journeys: an officer makes a plan with an objective, a channel and a KPI
(a bad target first, kept on the form), then reads the portfolio, the stage map, the
dashboards and a closed consultation's report; anyone reads the public summary. Every
page is checked with axe-core."""

from __future__ import annotations

import pytest

from tests.browser.accessibility import assert_accessible
from tests.browser.test_proposals_journey import sign_in
from tests.engagement import conftest as engagement
from townhall.engagement import service
from townhall.extensions import db

pytestmark = pytest.mark.browser

# The engagement tests' scene, whose figures are counted by hand, serves here too.
scene = engagement.scene
_fresh_figures = engagement._fresh_figures
period = engagement.period


def test_an_officer_plans_and_measures(live_server, page, scene):
    base = live_server
    sign_in(page, base, scene.officer)
    page.goto(base + "/engagement/")
    assert_accessible(page)
    page.get_by_label("Area", exact=True).select_option(label="Libraries (Service area)")
    page.get_by_label("Title", exact=True).fill("Libraries online")
    page.get_by_role("button", name="Start the plan").click()
    assert_accessible(page)

    page.get_by_label("Objective", exact=True).fill("Readers shape opening hours")
    page.get_by_label("Expected outcome", exact=True).fill("Hours that suit readers")
    page.get_by_role("button", name="Add the objective").click()
    assert "Objective added." in page.get_by_role("main").inner_text()

    page.get_by_text("Choose a channel for this objective").click()
    page.get_by_label("Channel", exact=True).select_option(label="Votes")
    page.get_by_label("Why this channel", exact=True).fill("Readers decide between options.")
    page.get_by_role("button", name="Choose the channel").click()

    # A target of the wrong kind: refused, with the rest of the form kept.
    first, last = period(7, 7)
    page.get_by_text("Add a KPI to this objective").click()
    page.get_by_label("Indicator", exact=True).select_option(label="Turnout")
    page.get_by_label("Target", exact=True).fill("140")
    page.get_by_label("Period starts", exact=True).fill(first.isoformat())
    page.get_by_label("Period ends", exact=True).fill(last.isoformat())
    page.get_by_label("Consultation (optional)", exact=True).last.select_option(str(scene.a.id))
    page.get_by_role("button", name="Add the KPI").click()
    assert "give a target from 0 to 100" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Period ends", exact=True).input_value() == last.isoformat()
    assert_accessible(page)
    page.get_by_label("Target", exact=True).fill("30")
    page.get_by_role("button", name="Add the KPI").click()
    # 2 ballots of 6 eligible people: 33.3% against a target of 30%.
    row = page.locator("table.kpi-table tbody tr").first.inner_text()
    assert "33.3%" in row and "On track" in row
    assert_accessible(page)

    for path in ("/engagement/portfolio", "/engagement/stages", "/engagement/dashboard"):
        page.goto(base + path)
        assert_accessible(page)
    page.goto(f"{base}/engagement/consultations/{scene.a.id}/dashboard")
    page.get_by_text("The figures as a table").click()
    assert_accessible(page)
    page.goto(f"{base}/engagement/consultations/{scene.c.id}/report")
    assert "Consultation report: Park benches" in page.get_by_role("main").inner_text()
    assert_accessible(page)


def test_anyone_reads_the_public_summary(live_server, page, scene):
    plan = service.create_plan(scene.officer, scene.a.service_area_id, "Libraries online")
    objective = service.add_objective(plan, "More readers take part", "Busier consultations")
    first, last = period(7, 7)
    service.add_kpi(objective, "participants", 10, first, last)
    db.session.commit()
    page.goto(live_server + "/engagement/summary")
    main = page.get_by_role("main").inner_text()
    assert "How the council engages" in main
    assert scene.citizens[0].display_name not in main
    assert_accessible(page)
