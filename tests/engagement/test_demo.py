"""The demo council's engagement plans: made from the demo's consultations, readable."""

from __future__ import annotations

import random

from townhall.accounts.permissions import Role
from townhall.engagement import service
from townhall.engagement.demo import seed_demo_engagement
from townhall.extensions import db


def test_demo_plans_have_objectives_kpis_and_projects(app, create_user, create_consultation):
    officer = create_user(role=Role.OFFICER)
    create_consultation(author=officer, title="Library hours", status="closed")
    plans = seed_demo_engagement(officer, random.Random(1))
    db.session.commit()
    assert {p.area.kind.value for p in plans} == {"process", "service"}
    kpis = service.all_kpis()
    assert kpis and all(k.target >= 0 and k.period_end >= k.period_start for k in kpis)
    assert {service.read_kpi(k).status for k in kpis}  # every KPI reads a status
    assert service.twin_track(service.portfolio()) is not None
