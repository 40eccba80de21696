"""The notes officers write on a plan's projects and role assessments are shown on the
plan page, escaped, line by line."""

from __future__ import annotations

import re

import pytest

from townhall.accounts.permissions import Role
from townhall.engagement import service
from townhall.extensions import db

PROJECT_NOTES = (
    "Ask the Friends of the Library first.\r\n\r\n"
    "Budget <b>not</b> agreed & waiting on finance.\n"
    '<script>alert("x")</script>'
)


@pytest.fixture
def officer(create_user):
    return create_user(role=Role.OFFICER, display_name="Olu Officer")


@pytest.fixture
def plan(officer, areas):
    made = service.create_plan(officer, areas["Libraries"].id, "Libraries online")
    db.session.commit()
    return made


def section(html: str, heading_id: str) -> str:
    start = html.index(f'<h2 id="{heading_id}">')
    return html[start : html.index("</section>", start)]


def test_a_projects_notes_are_shown_escaped_line_by_line(client, sign_in, officer, plan):
    with_notes = service.add_project(
        plan, "Sunday opening", benefit=5, cost=2, risk=1, notes=PROJECT_NOTES
    )
    without = service.add_project(plan, "Reading garden", benefit=3, cost=3, risk=2)
    db.session.commit()
    sign_in(officer)
    projects = section(
        client.get(f"/engagement/plans/{plan.id}").get_data(as_text=True), "projects"
    )

    item = re.search(rf'<li data-project="{with_notes.id}">(.*?)</li>', projects, re.S)
    assert item, projects
    notes = re.search(r"<div [^>]*data-project-notes>(.*?)</div>", item.group(1), re.S)
    assert notes, item.group(1)
    paragraphs = re.findall(r"<p>(.*?)</p>", notes.group(1), re.S)
    assert paragraphs == [
        "<strong>Notes</strong>",
        "Ask the Friends of the Library first.",
        "Budget &lt;b&gt;not&lt;/b&gt; agreed &amp; waiting on finance.",
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;",
    ]
    assert "<script>alert" not in projects and "<b>not</b>" not in projects

    bare = re.search(rf'<li data-project="{without.id}">(.*?)</li>', projects, re.S)
    assert bare and "Reading garden" in bare.group(1)
    assert "data-project-notes" not in bare.group(1)


def test_a_roles_notes_are_shown_escaped_line_by_line(client, sign_in, officer, plan):
    service.assess_role(
        plan,
        Role.STAFF,
        cost=2,
        benefit=4,
        risk=1,
        notes="Library staff run the desk.\nTraining <i>first</i>.",
    )
    db.session.commit()
    sign_in(officer)
    roles = section(client.get(f"/engagement/plans/{plan.id}").get_data(as_text=True), "roles")
    cell = re.search(r"<td data-role-notes>(.*?)</td>", roles, re.S)
    assert cell, roles
    assert cell.group(1) == (
        "<p>Library staff run the desk.</p><p>Training &lt;i&gt;first&lt;/i&gt;.</p>"
    )


def test_notes_typed_into_the_plan_page_are_shown_there(client, sign_in, post_form, officer, plan):
    sign_in(officer)
    page = f"/engagement/plans/{plan.id}"
    response = post_form(
        f"/engagement/plans/{plan.id}/projects",
        {
            "project-title": "Sunday opening",
            "project-benefit": "5",
            "project-cost": "2",
            "project-risk": "1",
            "project-notes": "Start with the central library.\r\nThen the branches.",
        },
        token_page=page,
    )
    assert response.status_code == 302
    projects = section(client.get(page).get_data(as_text=True), "projects")
    assert "<p>Start with the central library.</p><p>Then the branches.</p>" in projects


def test_citizens_cannot_read_the_notes(client, sign_in, create_user, plan):
    service.add_project(plan, "Sunday opening", benefit=5, cost=2, risk=1, notes="Internal only")
    db.session.commit()
    sign_in(create_user())
    response = client.get(f"/engagement/plans/{plan.id}")
    assert response.status_code == 403
    assert "Internal only" not in response.get_data(as_text=True)
