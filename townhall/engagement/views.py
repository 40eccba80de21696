"""Pages for engagement plans, the portfolio, the stage map, dashboards (with CSV),
consultation reports (HTML and PDF) and the public summary.

Each view loads (404), checks permission (401/403), calls one service function,
commits, then renders. A refused form comes back with what was typed and a 4xx.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from townhall.consultations.models import Area, Consultation
from townhall.consultations.service import list_areas
from townhall.engagement import dashboards, service
from townhall.engagement.errors import AreaNotFound, EngagementError, ReportNotReady
from townhall.engagement.forms import (
    ChannelForm,
    KpiForm,
    ObjectiveForm,
    PlanForm,
    ProjectForm,
    RoleForm,
)
from townhall.engagement.kpis import CATALOGUE, Scope
from townhall.engagement.models import EngagementPlan, Kpi, Objective
from townhall.engagement.permissions import Action, can
from townhall.engagement.presentation import weekly_chart
from townhall.engagement.report import build_report, html_to_pdf
from townhall.engagement.stage_map import Stage, stage_map
from townhall.errors import render_error
from townhall.extensions import db
from townhall.form_handling import accept, add_form_error, keeps_input, refused_status

bp = Blueprint("engagement", __name__, url_prefix="/engagement")

ERROR_STATUS: dict[type[EngagementError], int] = {AreaNotFound: 404, ReportNotReady: 409}


def status_for(error: EngagementError) -> int:
    """The HTTP status a refusal is answered with (400 unless named)."""
    return ERROR_STATUS.get(type(error), 400)


def _require(action: Action) -> None:
    if not current_user.is_authenticated:
        abort(401)
    if not can(current_user, action):
        abort(403)


@bp.before_request
def _officers_only() -> None:
    # Every page here but the public summary is for the people who run plans.
    if request.endpoint != "engagement.summary":
        _require(Action.READ_DASHBOARDS)


def _weeks() -> int:
    try:
        weeks = int(request.args.get("weeks", dashboards.DEFAULT_WEEKS))
    except ValueError:
        abort(400)
    return min(max(weeks, 1), dashboards.MAX_WEEKS)


# --- plans ------------------------------------------------------------------------------


@bp.route("/", methods=["GET", "POST"])
@keeps_input
def index():
    """List the plans and start a new one."""
    form = PlanForm()
    form.set_areas(list_areas())
    if accept(form):
        try:
            plan = service.create_plan(
                current_user, form.area_id.data, form.title.data, form.summary.data
            )
        except EngagementError as error:
            add_form_error(form, str(error))
            return _index(form, status_for(error))
        db.session.commit()
        flash("Plan started. Add its objectives next.", "success")
        return redirect(url_for("engagement.plan", plan_id=plan.id))
    return _index(form, refused_status() if request.method == "POST" else 200)


def _index(form: PlanForm, status: int):
    return render_template("engagement/index.html", form=form, plans=service.list_plans()), status


def _plan_or_404(plan_id: int) -> EngagementPlan:
    return db.get_or_404(EngagementPlan, plan_id)


def _objective_or_404(objective_id: int) -> Objective:
    return db.get_or_404(Objective, objective_id)


def _render_plan(plan: EngagementPlan, status: int = 200, **forms: Any):
    forms.setdefault("objective_form", ObjectiveForm(formdata=None, prefix="objective"))
    forms.setdefault("role_form", RoleForm(formdata=None, prefix="role"))
    forms.setdefault("project_form", ProjectForm(formdata=None, prefix="project"))
    # One channel and one KPI form per objective; the one that failed keeps its input.
    failed_for = forms.pop("failed_objective_id", None)
    channel_forms = {}
    kpi_forms = {}
    readings = {}
    for objective in plan.objectives:
        mine = objective.id == failed_for
        channel_forms[objective.id] = (
            forms.pop("channel_form")
            if mine and "channel_form" in forms
            else ChannelForm(formdata=None, prefix=f"c{objective.id}")
        )
        kpi_forms[objective.id] = (
            forms.pop("kpi_form")
            if mine and "kpi_form" in forms
            else KpiForm(formdata=None, prefix=f"k{objective.id}")
        )
        readings[objective.id] = [service.read_kpi(kpi) for kpi in objective.kpis]
    # A choice of consultations, not a number to type (issue 15, finding 15).
    consultations = service.consultations_to_choose()
    for form in [forms["project_form"], *kpi_forms.values()]:
        form.set_consultations(consultations)
    return render_template(
        "engagement/plan.html",
        plan=plan,
        channel_forms=channel_forms,
        kpi_forms=kpi_forms,
        readings=readings,
        objective_form=forms["objective_form"],
        role_form=forms["role_form"],
        project_form=forms["project_form"],
        catalogue=CATALOGUE,
    ), status


@bp.get("/plans/<int:plan_id>")
def plan(plan_id: int):
    """Show a plan with its objectives, channels, roles, projects and KPIs."""
    return _render_plan(_plan_or_404(plan_id))


def _plan_form_post(plan: EngagementPlan, form: Any, name: str, act, done: str, **extra: Any):
    """Accept one of the plan page's forms, or show the page again with it refused."""
    if accept(form):
        try:
            act()
        except EngagementError as error:
            db.session.rollback()
            add_form_error(form, str(error))
            return _render_plan(plan, status_for(error), **{name: form}, **extra)
        db.session.commit()
        flash(done, "success")
        return redirect(url_for("engagement.plan", plan_id=plan.id))
    return _render_plan(plan, refused_status(), **{name: form}, **extra)


@bp.post("/plans/<int:plan_id>/objectives")
@keeps_input
def add_objective(plan_id: int):
    """Add an objective to a plan."""
    plan = _plan_or_404(plan_id)
    form = ObjectiveForm(prefix="objective")
    return _plan_form_post(
        plan,
        form,
        "objective_form",
        lambda: service.add_objective(plan, form.text.data, form.expected_outcome.data),
        "Objective added.",
    )


@bp.post("/objectives/<int:objective_id>/channels")
@keeps_input
def choose_channel(objective_id: int):
    """Choose a channel for an objective."""
    objective = _objective_or_404(objective_id)
    form = ChannelForm(prefix=f"c{objective.id}")
    return _plan_form_post(
        objective.plan,
        form,
        "channel_form",
        lambda: service.choose_channel(objective, form.channel.data, form.reason.data),
        "Channel chosen.",
        failed_objective_id=objective.id,
    )


@bp.post("/plans/<int:plan_id>/roles")
@keeps_input
def assess_role(plan_id: int):
    """Record a role's cost, benefit and risk."""
    plan = _plan_or_404(plan_id)
    form = RoleForm(prefix="role")
    return _plan_form_post(
        plan,
        form,
        "role_form",
        lambda: service.assess_role(
            plan,
            form.role.data,
            cost=form.cost.data,
            benefit=form.benefit.data,
            risk=form.risk.data,
            notes=form.notes.data,
        ),
        "Role assessed.",
    )


@bp.post("/plans/<int:plan_id>/projects")
@keeps_input
def add_project(plan_id: int):
    """Add a project to the portfolio."""
    plan = _plan_or_404(plan_id)
    form = ProjectForm(prefix="project")
    return _plan_form_post(
        plan,
        form,
        "project_form",
        lambda: service.add_project(
            plan,
            form.title.data,
            benefit=form.benefit.data,
            cost=form.cost.data,
            risk=form.risk.data,
            consultation_id=form.chosen_consultation_id,
            notes=form.notes.data,
        ),
        "Project added to the portfolio.",
    )


@bp.post("/objectives/<int:objective_id>/kpis")
@keeps_input
def add_kpi(objective_id: int):
    """Bind an indicator to an objective with a target and a period."""
    objective = _objective_or_404(objective_id)
    form = KpiForm(prefix=f"k{objective.id}")
    return _plan_form_post(
        objective.plan,
        form,
        "kpi_form",
        lambda: service.add_kpi(
            objective,
            form.indicator.data,
            None if form.target.data is None else float(form.target.data),
            form.period_start.data,
            form.period_end.data,
            form.chosen_consultation_id,
        ),
        "KPI added.",
        failed_objective_id=objective.id,
    )


# --- portfolio and stage map ---------------------------------------------------------------


@bp.get("/portfolio")
def portfolio():
    """Rank the planned projects by benefit against cost and risk; suggest a twin track."""
    ranked = service.portfolio()
    return render_template(
        "engagement/portfolio.html", ranked=ranked, twin=service.twin_track(ranked)
    )


@bp.get("/stages")
def stages():
    """Show each area's stage, for internal and external delivery."""
    return render_template("engagement/stages.html", entries=stage_map(), Stage=Stage)


# --- dashboards -----------------------------------------------------------------------------


def _dashboard_response(figures: dashboards.Figures, csv_name: str | None, **context: Any):
    if csv_name:
        return Response(
            dashboards.to_csv(figures),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{csv_name}.csv"'},
        )
    return render_template(
        "engagement/dashboard.html", figures=figures, chart=weekly_chart(figures), **context
    )


# Each address has its own endpoint name: url_for builds the last rule registered under
# a shared name, so a shared name made every HTML link lead to the CSV (issue 15).
@bp.get("/dashboard", defaults={"as_csv": False})
@bp.get("/dashboard.csv", endpoint="council_dashboard_csv", defaults={"as_csv": True})
def council_dashboard(as_csv: bool):
    """The council-wide dashboard (or its CSV)."""
    figures = dashboards.dashboard(Scope(), "The whole council", _weeks())
    return _dashboard_response(
        figures,
        "council-dashboard" if as_csv else None,
        csv_url=url_for("engagement.council_dashboard_csv", weeks=_weeks()),
    )


@bp.get("/areas/<int:area_id>/dashboard", defaults={"as_csv": False})
@bp.get(
    "/areas/<int:area_id>/dashboard.csv", endpoint="area_dashboard_csv", defaults={"as_csv": True}
)
def area_dashboard(area_id: int, as_csv: bool):
    """One area's dashboard (or its CSV)."""
    area = db.get_or_404(Area, area_id)
    figures = dashboards.dashboard(
        Scope(area_id=area.id),
        f"{area.name} ({area.kind.label.lower()})",
        _weeks(),
        kpi_list=lambda: _area_kpis(area.id),
    )
    return _dashboard_response(
        figures,
        f"area-{area.id}-dashboard" if as_csv else None,
        csv_url=url_for("engagement.area_dashboard_csv", area_id=area.id, weeks=_weeks()),
    )


def _area_kpis(area_id: int) -> list[Kpi]:
    return [kpi for kpi in service.all_kpis() if kpi.objective.plan.area_id == area_id]


@bp.get("/consultations/<int:consultation_id>/dashboard", defaults={"as_csv": False})
@bp.get(
    "/consultations/<int:consultation_id>/dashboard.csv",
    endpoint="consultation_dashboard_csv",
    defaults={"as_csv": True},
)
def consultation_dashboard(consultation_id: int, as_csv: bool):
    """One consultation's dashboard (or its CSV)."""
    consultation = db.get_or_404(Consultation, consultation_id)
    figures = dashboards.dashboard(
        Scope(consultation_id=consultation.id),
        consultation.title,
        _weeks(),
        kpi_list=lambda: service.kpis_for_consultation(consultation),
    )
    return _dashboard_response(
        figures,
        f"consultation-{consultation.id}-dashboard" if as_csv else None,
        consultation=consultation,
        csv_url=url_for(
            "engagement.consultation_dashboard_csv",
            consultation_id=consultation.id,
            weeks=_weeks(),
        ),
    )


# --- reports --------------------------------------------------------------------------------


@bp.get("/consultations/<int:consultation_id>/report", defaults={"as_pdf": False})
@bp.get(
    "/consultations/<int:consultation_id>/report.pdf",
    endpoint="report_pdf",
    defaults={"as_pdf": True},
)
def report(consultation_id: int, as_pdf: bool):
    """A closed consultation's report, as HTML or PDF; 409 before it closes."""
    consultation = db.get_or_404(Consultation, consultation_id)
    try:
        data = build_report(consultation)
    except ReportNotReady as error:
        return render_error(status_for(error), str(error))
    if not as_pdf:
        return render_template("engagement/report.html", report=data)
    pdf = html_to_pdf(render_template("engagement/report_pdf.html", report=data))
    name = f"consultation-{consultation.id}-report.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- the public summary ------------------------------------------------------------------------


@bp.get("/summary")
def summary():
    """The council's engagement in figures, for everyone: counts only, no personal data."""
    figures = dashboards.public_summary()
    return render_template(
        "engagement/summary.html",
        figures=figures,
        chart=weekly_chart(figures),
        entries=stage_map(),
    )
