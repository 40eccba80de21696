"""The engagement pages over HTTP: permissions, forms that keep their input, the
dashboards with CSV, reports as HTML and PDF, and the public summary."""

from __future__ import annotations

import csv
import io

import pytest

from tests.engagement.conftest import period
from townhall.engagement import service
from townhall.engagement.models import EngagementPlan, Kpi
from townhall.extensions import db


@pytest.fixture
def officer_in(scene, sign_in):
    sign_in(scene.officer)
    return scene.officer


@pytest.fixture
def plan(scene):
    made = service.create_plan(scene.officer, scene.a.service_area_id, "Libraries online")
    service.add_objective(made, "Readers shape opening hours", "Hours that suit readers")
    db.session.commit()
    return made


def test_citizens_cannot_see_plans_or_dashboards(scene, client, sign_in):
    assert client.get("/engagement/").status_code == 401
    sign_in(scene.citizens[0])
    for url in (
        "/engagement/",
        "/engagement/dashboard",
        "/engagement/portfolio",
        "/engagement/stages",
    ):
        assert client.get(url).status_code == 403, url
    assert client.get(f"/engagement/consultations/{scene.c.id}/report").status_code == 403


def test_an_officer_starts_a_plan(officer_in, areas, client, post_form):
    response = post_form(
        "/engagement/",
        {
            "area_id": areas["Libraries"].id,
            "title": "Libraries online",
            "summary": "Reach readers.",
        },
        token_page="/engagement/",
    )
    assert response.status_code == 302
    plan = db.session.scalars(db.select(EngagementPlan)).one()
    assert (plan.title, plan.area.name) == ("Libraries online", "Libraries")
    assert "Libraries online" in client.get(response.location).get_data(as_text=True)


def test_a_plan_for_an_area_that_does_not_exist_keeps_its_input(officer_in, post_form):
    response = post_form(
        "/engagement/", {"area_id": 9999, "title": "My careful title"}, token_page="/engagement/"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "That area does not exist" in html
    assert 'value="My careful title"' in html


def _kpi_post(post_form, plan, **data):
    objective = plan.objectives[0]
    fields = {f"k{objective.id}-{k}": v for k, v in data.items()}
    return post_form(
        f"/engagement/objectives/{objective.id}/kpis",
        fields,
        token_page=f"/engagement/plans/{plan.id}",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"indicator": "comments", "period_start": "2026-01-01", "period_end": "2026-03-31"},
            "Give a target.",
        ),
        ({"indicator": "comments", "target": "250"}, "Give the first day of the period."),
        (
            {
                "indicator": "comments",
                "target": "lots",
                "period_start": "2026-01-01",
                "period_end": "2026-03-31",
            },
            "Give the target as a number",
        ),
        (
            {
                "indicator": "turnout",
                "target": "140",
                "period_start": "2026-01-01",
                "period_end": "2026-03-31",
            },
            "give a target from 0 to 100",
        ),
        (
            {
                "indicator": "comments",
                "target": "12.5",
                "period_start": "2026-01-01",
                "period_end": "2026-03-31",
            },
            "give a whole number",
        ),
    ],
)
def test_a_bad_kpi_is_refused_with_its_input_kept(officer_in, plan, post_form, data, message):
    response = _kpi_post(post_form, plan, **data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    if "target" in data:
        assert f'value="{data["target"]}"' in html
    assert db.session.scalar(db.select(db.func.count(Kpi.id))) == 0


def test_a_kpi_is_added_and_shows_its_derived_status(officer_in, plan, scene, post_form, client):
    first, last = period(7, 7)
    response = _kpi_post(
        post_form,
        plan,
        indicator="comments",
        target="3",
        period_start=first.isoformat(),
        period_end=last.isoformat(),
        consultation_id=str(scene.a.id),
    )
    assert response.status_code == 302
    html = client.get(f"/engagement/plans/{plan.id}").get_data(as_text=True)
    assert "On track" in html  # 3 comments of a target of 3


def test_channels_roles_and_projects_are_added_from_the_plan_page(
    officer_in, plan, post_form, client
):
    objective = plan.objectives[0]
    page = f"/engagement/plans/{plan.id}"
    ok = post_form(
        f"/engagement/objectives/{objective.id}/channels",
        {f"c{objective.id}-channel": "votes", f"c{objective.id}-reason": "Readers decide."},
        token_page=page,
    )
    assert ok.status_code == 302
    refused = post_form(
        f"/engagement/plans/{plan.id}/roles",
        {
            "role-role": "officer",
            "role-cost": "9",
            "role-benefit": "3",
            "role-risk": "2",
            "role-notes": "Kept note",
        },
        token_page=page,
    )
    assert refused.status_code == 400 and "Kept note" in refused.get_data(as_text=True)
    assert (
        post_form(
            f"/engagement/plans/{plan.id}/projects",
            {
                "project-title": "Sunday opening",
                "project-benefit": "5",
                "project-cost": "2",
                "project-risk": "1",
            },
            token_page=page,
        ).status_code
        == 302
    )
    html = client.get("/engagement/portfolio").get_data(as_text=True)
    assert "Sunday opening" in html


def test_dashboards_render_and_download_as_csv(officer_in, scene, client):
    for url in (
        "/engagement/dashboard",
        f"/engagement/areas/{scene.a.process_area_id}/dashboard",
        f"/engagement/consultations/{scene.a.id}/dashboard",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "<svg" in response.get_data(as_text=True)
        download = client.get(url + ".csv")
        assert download.mimetype == "text/csv"
        rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
        assert rows[0][0] == "week_starting"
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"/engagement/consultations/{scene.a.id}/dashboard.csv").get_data(
                    as_text=True
                )
            )
        )
    )
    totals = {row[0]: row[1] for row in rows if len(row) == 3}
    # Held Q1 and the rejected reply are not counted: the public could not read them.
    assert (totals["comments"], totals["replies"], totals["ballots_cast"]) == ("2", "1", "2")
    weekly_comments = sum(int(row[1]) for row in rows[1:] if len(row) == 5)
    assert weekly_comments == 3  # public comments and replies together, week by week


def test_a_report_is_refused_until_the_consultation_closes(officer_in, scene, client):
    response = client.get(f"/engagement/consultations/{scene.a.id}/report")
    assert response.status_code == 409
    assert "once the consultation has closed" in response.get_data(as_text=True)
    assert client.get(f"/engagement/consultations/{scene.a.id}/report.pdf").status_code == 409


def test_a_closed_consultation_reports_as_html_and_pdf(officer_in, scene, client):
    html = client.get(f"/engagement/consultations/{scene.c.id}/report")
    assert html.status_code == 200
    assert "Consultation report: Park benches" in html.get_data(as_text=True)
    pdf = client.get(f"/engagement/consultations/{scene.c.id}/report.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")


def test_the_public_summary_names_no_one(scene, client):
    response = client.get("/engagement/summary")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for person in [scene.officer, scene.staff, *scene.citizens]:
        assert person.display_name not in html
        assert person.email not in html
    assert "Unique residents reached" in html
