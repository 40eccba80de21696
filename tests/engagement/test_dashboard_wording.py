"""Engagement pages say what their figures count, in words that hold for any count
(issue 15, findings 13 and 15)."""

from __future__ import annotations

import re
from html import unescape

import pytest

from townhall.consultations import service as consultations
from townhall.extensions import db


@pytest.fixture
def officer_in(scene, sign_in):
    sign_in(scene.officer)
    return scene.officer


def _text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_the_report_counts_one_question_in_the_singular(officer_in, scene, client):
    consultations.close_consultation(scene.a)
    db.session.commit()
    html = client.get(f"/engagement/consultations/{scene.a.id}/report").get_data(as_text=True)
    text = _text(html)
    # The scene: 2 comments, 1 reply, 1 question (none answered on time), 1 response.
    assert "2 comments and 1 reply." in text
    assert "1 question was asked; 0 were answered within" in text
    assert "1 questions" not in text and "1 official responses" not in text
    assert "officers gave 1 official response." in text


def test_a_past_period_with_no_figure_has_no_status(officer_in, scene, client):
    from datetime import timedelta

    from townhall.database import utcnow
    from townhall.engagement import service

    plan = service.create_plan(scene.officer, scene.a.process_area_id, "Consultation done well")
    objective = service.add_objective(plan, "Votes people use", "More people vote")
    today = utcnow().date()
    first, last = today - timedelta(days=100), today - timedelta(days=90)
    # Nothing happened then: turnout (higher is better) and the wait for an outcome
    # (lower is better) both have nothing to measure.
    service.add_kpi(objective, "turnout", 40, first, last)
    service.add_kpi(objective, "outcome_days", 28, first, last)
    db.session.commit()
    for url in ("/engagement/dashboard", f"/engagement/plans/{plan.id}"):
        html = client.get(url).get_data(as_text=True)
        statuses = re.findall(r'<span class="kpi-status kpi-([\w-]+)">([^<]+)</span>', html)
        assert statuses == [("no-figure", "No figure"), ("no-figure", "No figure")], url
        assert "no figure yet" not in html


def test_participants_and_residents_say_whom_each_counts(officer_in, scene, client):
    html = client.get("/engagement/dashboard").get_data(as_text=True)
    rows = {
        key: _text(row)
        for key, row in re.findall(
            r'data-indicator="(participants|residents_reached)">(.*?)</tr>', html, re.S
        )
    }
    # Participants counts the council's own people (an officer's official answer);
    # unique residents leaves them out and adds those who only followed.
    assert "officers, moderators and admins included" in rows["participants"]
    assert "Unique residents reached leaves the council's own people out" in rows["participants"]
    assert "not officers, moderators or admins" in rows["residents_reached"]
    assert "only followed" in rows["residents_reached"]


def test_kpi_tables_give_the_whole_objective(officer_in, scene, client):
    from tests.engagement.conftest import period
    from townhall.engagement import service

    text = "Residents who cannot come to the library in the week shape its Sunday opening hours"
    assert len(text) > 80
    plan = service.create_plan(scene.officer, scene.a.process_area_id, "Consultation done well")
    objective = service.add_objective(plan, text, "Hours that suit readers")
    first, last = period(7, 7)
    service.add_kpi(objective, "comments", 3, first, last)
    db.session.commit()
    html = client.get("/engagement/dashboard").get_data(as_text=True)
    assert f'<th scope="row">Consultation done well: {text}</th>' in unescape(html)
    html = client.get(f"/engagement/plans/{plan.id}").get_data(as_text=True)
    assert f"KPIs of “{text}”</caption>" in unescape(html)
    assert "…" not in html


def test_kpi_and_project_forms_offer_a_choice_of_consultations(
    officer_in, scene, client, post_form
):
    from tests.engagement.conftest import period
    from townhall.engagement import service
    from townhall.engagement.models import Kpi, PlannedProject

    plan = service.create_plan(scene.officer, scene.a.process_area_id, "Consultation done well")
    objective = service.add_objective(plan, "Residents are heard", "More people take part")
    db.session.commit()
    page = f"/engagement/plans/{plan.id}"
    html = unescape(client.get(page).get_data(as_text=True))
    assert "Consultation number" not in html
    for name, none in (
        (f"k{objective.id}-consultation_id", "None: the plan's whole area"),
        ("project-consultation_id", "None yet"),
    ):
        select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
        assert select, name
        options = re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', select.group(1))
        assert options[0] == ("0", none)
        assert (str(scene.a.id), f"{scene.a.title} (open)") in options
    first, last = period(7, 7)
    fields = {
        "indicator": "comments",
        "target": "3",
        "period_start": first.isoformat(),
        "period_end": last.isoformat(),
        "consultation_id": str(scene.a.id),
    }
    response = post_form(
        f"/engagement/objectives/{objective.id}/kpis",
        {f"k{objective.id}-{k}": v for k, v in fields.items()},
        token_page=page,
    )
    assert response.status_code == 302
    fields["consultation_id"] = "0"  # None: the plan's whole area
    post_form(
        f"/engagement/objectives/{objective.id}/kpis",
        {f"k{objective.id}-{k}": v for k, v in fields.items()},
        token_page=page,
    )
    kpis = db.session.scalars(select_all(Kpi)).all()
    assert [k.consultation_id for k in kpis] == [scene.a.id, None]
    project = {"title": "Online renewals", "consultation_id": "0", "benefit": "4", "cost": "2"}
    project |= {"risk": "1"}
    response = post_form(
        f"{page}/projects", {f"project-{k}": v for k, v in project.items()}, token_page=page
    )
    assert response.status_code == 302
    assert db.session.scalars(select_all(PlannedProject)).one().consultation_id is None


def select_all(model):
    from sqlalchemy import select

    return select(model).order_by(model.id)
