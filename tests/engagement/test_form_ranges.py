"""Numbers in the engagement forms: ids, scales and targets out of range (or no numbers
at all) come back beside their field in the officer's words, with what they typed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.form_ranges import assert_sent_back
from townhall.accounts.permissions import Role
from townhall.database import MAX_ID
from townhall.engagement import service
from townhall.engagement.models import EngagementPlan, Kpi, PlannedProject, RoleAssessment
from townhall.extensions import db

TOO_BIG = str(MAX_ID + 1)
HUGE = "99999999999999999999"
# The consultation is chosen from a list (issue 15, finding 15); a hand-made id is refused.
CONSULTATION_NUMBER = "Choose a consultation from the list, or “None”."


@pytest.fixture
def plan(app, areas, create_user, sign_in):
    officer = create_user(role=Role.OFFICER)
    made = service.create_plan(officer, areas["Libraries"].id, "Libraries online")
    service.add_objective(made, "Readers shape opening hours", "Hours that suit readers")
    db.session.commit()
    sign_in(officer)
    return made


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("value", [HUGE, TOO_BIG, "0", "libraries"])
def test_a_plan_for_an_area_not_on_the_list_comes_back(plan, post_form, value):
    response = post_form(
        "/engagement/",
        {"area_id": value, "title": "Parks online", "summary": "Reach park users."},
        token_page="/engagement/",
    )
    assert_sent_back(
        response,
        "area_id",
        "Choose the area the plan is for from the list.",
        kept=('value="Parks online"', "Reach park users."),
    )
    assert count(EngagementPlan) == 1


@pytest.mark.parametrize("value", [HUGE, TOO_BIG, "-1", "the library one"])
def test_a_project_for_a_consultation_number_out_of_range_comes_back(plan, post_form, value):
    response = post_form(
        f"/engagement/plans/{plan.id}/projects",
        {
            "project-title": "Online renewals",
            "project-consultation_id": value,
            "project-benefit": "4",
            "project-cost": "2",
            "project-risk": "1",
            "project-notes": "Ask readers first.",
        },
        token_page=f"/engagement/plans/{plan.id}",
    )
    assert_sent_back(
        response,
        "project-consultation_id",
        CONSULTATION_NUMBER,
        kept=('value="Online renewals"', "Ask readers first."),
    )
    assert count(PlannedProject) == 0


@pytest.mark.parametrize("value", ["6", "0", HUGE, "high"])
def test_a_scale_out_of_range_comes_back(plan, post_form, value):
    response = post_form(
        f"/engagement/plans/{plan.id}/roles",
        {
            "role-role": "moderator",
            "role-cost": "2",
            "role-benefit": value,
            "role-risk": "3",
            "role-notes": "Two hours a week.",
        },
        token_page=f"/engagement/plans/{plan.id}",
    )
    assert_sent_back(
        response, "role-benefit", "Choose the benefit from 1 to 5.", kept=("Two hours a week.",)
    )
    assert count(RoleAssessment) == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("consultation_id", HUGE, CONSULTATION_NUMBER),
        ("consultation_id", TOO_BIG, CONSULTATION_NUMBER),
        ("target", "1e400", "Give the target as a number from 0 to 10,000,000, such as 250."),
        ("target", "sNaN", "Give the target as a number from 0 to 10,000,000, such as 250."),
        ("target", "-Infinity", "Give the target as a number from 0 to 10,000,000, such as 250."),
        ("target", "NaN", "Give the target as a number from 0 to 10,000,000, such as 250."),
        ("target", "10000001", "Give the target as a number from 0 to 10,000,000, such as 250."),
    ],
)
def test_a_kpi_with_a_number_out_of_range_comes_back(plan, post_form, field, value, message):
    objective = plan.objectives[0]
    typed = {
        "indicator": "comments",
        "target": "250",
        "period_start": "2026-01-01",
        "period_end": "2026-03-31",
        field: value,
    }
    response = post_form(
        f"/engagement/objectives/{objective.id}/kpis",
        {f"k{objective.id}-{k}": v for k, v in typed.items()},
        token_page=f"/engagement/plans/{plan.id}",
    )
    assert_sent_back(
        response,
        f"k{objective.id}-{field}",
        message,
        # A select offers its choices: an id typed by hand is not one of them to keep.
        kept=(
            *(() if field == "consultation_id" else (f'value="{value}"',)),
            'value="2026-01-01"',
            'value="2026-03-31"',
        ),
    )
    assert count(Kpi) == 0
