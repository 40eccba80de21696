"""A consultation's report: aggregates by role, and only publicly visible words quoted."""

from __future__ import annotations

import pytest

from townhall.consultations import service as consultations
from townhall.engagement.errors import ReportNotReady
from townhall.engagement.report import build_report
from townhall.extensions import db


def test_the_report_counts_and_quotes_only_what_the_public_could_read(scene):
    with pytest.raises(ReportNotReady):
        build_report(scene.a)
    consultations.close_consultation(scene.a)
    db.session.commit()
    report = build_report(scene.a)
    # c1, c2, c3 and c4 took part, and the officer who answered.
    assert report.participants_by_role["Residents (citizens)"] == 4
    assert report.participants_by_role["Officers, moderators and admins"] == 1
    # Counted as quoted: held Q1 and c2's rejected reply are left out (so Q1, though
    # answered in time, is not counted answered on time).
    assert (report.comments, report.replies, report.questions) == (2, 1, 1)
    assert (report.answered_on_time, report.official_responses, report.followers) == (0, 1, 1)
    # Q1 is held and c2's reply rejected: neither is quoted. The officer's answer is
    # an official response, not something residents said.
    assert sorted(report.quoted) == ["Evenings matter more to me.", "When will you decide?"]
    assert report.proposals == [("Sunday opening", 2)]
    assert [(v.title, v.ballots) for v in report.votes] == [("Open on Sundays?", 2)]
