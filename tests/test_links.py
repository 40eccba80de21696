"""Links: where a form may send someone on to afterwards."""

from __future__ import annotations

import pytest

from townhall.links import on_site_path


def test_a_path_on_this_site_is_kept_whole():
    assert on_site_path("/consultations/1?sort=new#c2") == "/consultations/1?sort=new#c2"


@pytest.mark.parametrize(
    "away",
    [
        "https://evil.example/",
        "//evil.example/x",
        "evil.example",
        "",
        None,
        "javascript:alert(1)",
        "http:/x",
    ],
)
def test_anything_else_is_not_followed(away):
    assert on_site_path(away) is None
