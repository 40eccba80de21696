"""`flask townhall ...` commands."""

from __future__ import annotations

from sqlalchemy import func, select

from townhall.accounts.models import User
from townhall.accounts.permissions import Role
from townhall.extensions import db


def test_create_user(runner):
    result = runner.invoke(
        args=[
            "townhall", "create-user", "--email", "Officer@Example.org", "--name", "Oona",
            "--role", "officer", "--password", "tangerine bicycle lantern",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = db.session.scalars(select(User)).one()
    assert (user.email, user.role, user.is_verified) == ("officer@example.org", Role.OFFICER, True)


def test_create_user_bad_input_is_a_clear_error(runner, create_user):
    create_user(email="taken@example.org")
    result = runner.invoke(
        args=["townhall", "create-user", "--email", "taken@example.org", "--name", "X",
              "--password", "tangerine bicycle lantern"]
    )  # fmt: skip
    assert result.exit_code != 0
    assert "already uses that email address" in result.output
    result = runner.invoke(
        args=["townhall", "create-user", "--email", "new@example.org", "--name", "X",
              "--password", "short"]
    )  # fmt: skip
    assert result.exit_code != 0
    assert "Use at least 10 characters." in result.output
    result = runner.invoke(
        args=["townhall", "create-user", "--email", "new@example.org", "--name", "X",
              "--role", "emperor", "--password", "tangerine bicycle lantern"]
    )  # fmt: skip
    assert result.exit_code == 2


def test_seed_demo_makes_one_person_of_each_role_and_prints_their_sign_ins(app, runner, tmp_path):
    app.instance_path = str(tmp_path)
    result = runner.invoke(args=["townhall", "seed-demo", "--citizens", "25"])
    assert result.exit_code == 0, result.output
    roles = {u.role for u in db.session.scalars(select(User).where(User.email.like("%@demo.%")))}
    assert roles == set(Role)
    from townhall.demo_council import RESIDENTS

    people = db.session.scalar(select(func.count()).select_from(User))
    assert people == len(Role) + len(RESIDENTS) + 25
    for role in Role:
        assert f"{role.value}@demo.townhall.example" in result.output
    saved = (tmp_path / "demo-sign-ins.txt").read_text()
    officer_line = next(line for line in saved.splitlines() if line.startswith("officer"))
    password = officer_line.split()[-1]
    assert password in result.output

    # The printed officer sign-in works.
    from townhall.accounts import service

    assert service.authenticate("officer@demo.townhall.example", password).role == Role.OFFICER


def test_seed_demo_refuses_a_database_with_people(runner, create_user):
    create_user()
    result = runner.invoke(args=["townhall", "seed-demo"])
    assert result.exit_code == 1
    assert "already has accounts" in result.output


def test_prepare_migrates_and_seeds_only_when_empty(app, runner, tmp_path):
    app.instance_path = str(tmp_path)
    result = runner.invoke(args=["townhall", "prepare"])
    assert result.exit_code == 0, result.output
    assert "seeding a demo council" in result.output
    result = runner.invoke(args=["townhall", "prepare"])
    assert result.exit_code == 0, result.output
    assert "seeding" not in result.output
    from townhall.consultations.models import Consultation, Status
    from townhall.demo_council import CONSULTATIONS

    statuses = set(db.session.scalars(select(Consultation.status)))
    assert statuses == set(Status)  # the demo council shows every state
    assert len(statuses) and db.session.scalar(
        select(func.count()).select_from(Consultation)
    ) == len(CONSULTATIONS)


def test_the_printed_demo_officer_signs_in_through_the_form(
    app, runner, tmp_path, post_form, client
):
    """What `make run` promises: the printed officer sign-in works on the sign-in page."""
    app.instance_path = str(tmp_path)
    result = runner.invoke(args=["townhall", "prepare"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.strip().startswith("officer "))
    _, email, password = line.split()
    response = post_form("/sign-in", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert "Olivia Officer" in home or "Your account" in home
    assert "New consultation" in client.get("/consultations").get_data(as_text=True)
