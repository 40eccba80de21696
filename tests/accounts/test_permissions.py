"""The policy: which role holds which permission."""

from types import SimpleNamespace

import pytest

from townhall.accounts.permissions import ROLE_PERMISSIONS, Permission, Role, has_permission


def person(role: Role, active: bool = True):
    return SimpleNamespace(is_authenticated=True, is_active=active, role=role)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.CITIZEN, {Permission.PARTICIPATE}),
        (Role.STAFF, {Permission.PARTICIPATE, Permission.TAKE_PART_AS_STAFF}),
        (
            Role.MODERATOR,
            {Permission.PARTICIPATE, Permission.TAKE_PART_AS_STAFF, Permission.MODERATE},
        ),
        (
            Role.OFFICER,
            {
                Permission.PARTICIPATE,
                Permission.TAKE_PART_AS_STAFF,
                Permission.RUN_CONSULTATIONS,
                Permission.PUBLISH_OUTCOMES,
            },
        ),
        (Role.ADMIN, set(Permission)),
    ],
)
def test_each_role_holds_exactly_its_permissions(role, allowed):
    assert set(ROLE_PERMISSIONS[role]) == allowed
    for permission in Permission:
        assert has_permission(person(role), permission) == (permission in allowed)


def test_anonymous_and_disabled_people_hold_nothing():
    anonymous = SimpleNamespace(is_authenticated=False, is_active=False)
    for permission in Permission:
        assert not has_permission(anonymous, permission)
        assert not has_permission(None, permission)
        assert not has_permission(person(Role.ADMIN, active=False), permission)
