"""Engagement pages say what their figures count, in words that hold for any count
(issue 15, findings 13 and 15)."""

from __future__ import annotations

import re

import pytest

from townhall.consultations import service as consultations
from townhall.extensions import db


@pytest.fixture
def officer_in(scene, sign_in):
    sign_in(scene.officer)
    return scene.officer


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


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
