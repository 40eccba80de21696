"""Moderation's services against the real database: posts held to the default standards,
flags, the queue, decisions, sanctions, appeals, figures and the audit trail."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest
from sqlalchemy import select

from townhall.accounts import service as accounts
from townhall.accounts.permissions import Role
from townhall.database import utcnow
from townhall.dialogue import service as dialogue
from townhall.dialogue.models import Comment
from townhall.extensions import db
from townhall.moderation import audit, service
from townhall.moderation.models import (
    AppealState,
    AuditEntry,
    CaseState,
    ModerationCase,
    ModerationDecision,
    SanctionKind,
    Verdict,
)
from townhall.moderation.registry import AWAITING_TEXT
from townhall.notifications.models import Notification, NotificationKind

PHONE_POST = "Ring me on 07700 900123 about the library hours."


def notices(user) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.text).where(
                Notification.user_id == user.id, Notification.kind == NotificationKind.MODERATION
            )
        )
    )


# --- holding posts to the standards --------------------------------------------


def test_a_trusted_authors_polite_post_is_published_as_written(post, citizen, trust):
    trust(citizen)
    comment = post(citizen, "I would use the library on Sundays.")
    case = service.find_case("comment", comment.id)
    assert case.state is CaseState.PUBLISHED and case.auto_action == "allow"
    assert comment.body == "I would use the library on Sundays."
    assert notices(citizen) == []


def test_a_new_accounts_post_is_held_hidden_and_its_author_told(post, citizen):
    comment = post(citizen, "I would use the library on Sundays.")
    case = service.find_case("comment", comment.id)
    assert case.state is CaseState.HELD and case.clauses == ["8.1"]
    assert case.original_text == "I would use the library on Sundays."
    # Nothing that reads the comment can show the held words.
    assert comment.body == AWAITING_TEXT and "awaiting moderation" in comment.body_html
    [told] = notices(citizen)
    assert "awaiting moderation" in told and "clause 8.1" in told


def test_personal_details_are_redacted_and_published(post, citizen, trust):
    trust(citizen)
    comment = post(citizen, PHONE_POST)
    case = service.find_case("comment", comment.id)
    assert case.state is CaseState.PUBLISHED and case.auto_action == "redact"
    assert "07700" not in comment.body and "[removed: personal details]" in comment.body
    assert case.original_text == PHONE_POST
    assert case.matches[0]["clause"] == "3.2" and case.matches[0]["text"] == "07700 900123"


def test_an_abusive_post_is_rejected_naming_the_clause(post, citizen, trust):
    trust(citizen)
    with pytest.raises(service.ContentRejected) as caught:
        post(citizen, "The councillor is an idiot.")
    assert caught.value.clause == "1.1" and caught.value.status == 422
    assert "clause 1.1" in str(caught.value)
    db.session.rollback()
    assert db.session.scalar(select(Comment)) is None
    case = service.record_rejection(caught.value)
    db.session.commit()
    assert case.state is CaseState.REJECTED and case.content_id is None
    assert case.original_text == "The councillor is an idiot."


def test_an_edit_is_checked_again(post, citizen, trust):
    trust(citizen)
    comment = post(citizen, "Open on Sundays please.")
    dialogue.edit_comment(comment, citizen, "Open on Sundays please. Mail me at a@b.example.org")
    db.session.commit()
    assert "[removed: personal details]" in comment.body
    assert service.find_case("comment", comment.id).auto_action == "redact"


# --- flags --------------------------------------------------------------------


def test_flags_queue_the_post_then_hide_it_at_the_threshold(
    post, citizen, trust, create_user, consultation
):
    trust(citizen)
    comment = post(citizen, "Sunday opening is a waste of money.")
    flaggers = [create_user() for _ in range(3)]
    case = service.flag_post("comment", comment.id, flaggers[0], "7.2", "Looks defamatory")
    assert case.state is CaseState.REVIEW and comment.body.startswith("Sunday")
    service.flag_post("comment", comment.id, flaggers[1], "1.1")
    assert case.state is CaseState.REVIEW
    service.flag_post("comment", comment.id, flaggers[2], "1.1")
    db.session.commit()
    assert case.state is CaseState.FLAGGED and case.flag_count == 3
    assert comment.body == AWAITING_TEXT
    decision = db.session.scalars(
        select(ModerationDecision).where(ModerationDecision.verdict == Verdict.FLAGGED)
    ).one()
    assert decision.clauses[0] == "10.1" and set(decision.clauses[1:]) == {"1.1", "7.2"}
    assert any("hidden until a moderator" in text for text in notices(citizen))


def test_a_flag_needs_a_real_clause_and_one_per_person(post, citizen, neighbour, trust):
    trust(citizen)
    comment = post(citizen, "Sunday opening is a waste of money.")
    with pytest.raises(service.ClauseRequired):
        service.flag_post("comment", comment.id, neighbour, "")
    with pytest.raises(service.ClauseRequired):
        service.flag_post("comment", comment.id, neighbour, "99.9")
    service.flag_post("comment", comment.id, neighbour, "1.1")
    with pytest.raises(service.FlagRefused, match="already flagged"):
        service.flag_post("comment", comment.id, neighbour, "1.1")
    with pytest.raises(service.FlagRefused, match="your own"):
        service.flag_post("comment", comment.id, citizen, "1.1")
    with pytest.raises(service.ContentNotFound):
        service.flag_post("comment", 999_999, neighbour, "1.1")


# --- the queue and decisions --------------------------------------------------


def test_the_queue_is_oldest_first_with_matches_highlighted(post, citizen, neighbour):
    first = post(citizen, PHONE_POST)
    post(neighbour, "Second post from a new account.")
    items, total = service.queue()
    assert total == 2
    assert items[0].case.content_id == first.id
    marked = [s for s in items[0].segments if s.clause]
    assert [(s.text, s.clause) for s in marked] == [("07700 900123", "3.2")]
    assert "".join(s.text for s in items[0].segments) == PHONE_POST


def test_approving_a_held_post_publishes_it_as_the_standards_say(post, citizen, moderator):
    comment = post(citizen, PHONE_POST)
    case = service.find_case("comment", comment.id)
    service.decide_case(case, moderator, Verdict.APPROVE)
    db.session.commit()
    assert case.state is CaseState.APPROVED and case.decided_by_id == moderator.id
    # The automatic redaction still applies to a held post that is approved.
    assert comment.body == "Ring me on [removed: personal details] about the library hours."
    assert any("approved" in text for text in notices(citizen))


def test_redact_then_approve_removes_the_matches_and_named_text(post, citizen, moderator):
    comment = post(citizen, "Ask Jo Bloggs at the desk, or ring 07700 900123.")
    case = service.find_case("comment", comment.id)
    service.decide_case(
        case, moderator, Verdict.REDACT_APPROVE, clause_number="3.2", remove_text=["jo bloggs"]
    )
    db.session.commit()
    assert "Jo Bloggs" not in comment.body and "07700" not in comment.body
    assert case.decision_clause == "3.2"
    assert any("clause 3.2" in text and "removed" in text for text in notices(citizen))


def test_rejecting_needs_a_clause_and_tells_the_author(post, citizen, moderator):
    comment = post(citizen, "My neighbour at number 4 is a crook.")
    case = service.find_case("comment", comment.id)
    with pytest.raises(service.ClauseRequired):
        service.decide_case(case, moderator, Verdict.REMOVE)
    service.decide_case(case, moderator, Verdict.REMOVE, clause_number="7.2", note="Defamatory.")
    db.session.commit()
    assert case.state is CaseState.REJECTED
    assert "Removed by a moderator under clause 7.2" in comment.body
    assert any("clause 7.2" in t and "Defamatory." in t for t in notices(citizen))
    with pytest.raises(service.CaseNotQueued):
        service.decide_case(case, moderator, Verdict.APPROVE)


def test_a_moderator_cannot_decide_their_own_post(post, moderator, second_moderator):
    comment = post(moderator, "The defendant was seen in the library again.")
    case = service.find_case("comment", comment.id)
    assert case.state is CaseState.HELD and case.clauses == ["7.1"]
    with pytest.raises(service.NotYourDecision):
        service.decide_case(case, moderator, Verdict.APPROVE)
    service.decide_case(case, second_moderator, Verdict.APPROVE)


def test_bulk_decisions_skip_what_cannot_be_decided(post, citizen, neighbour, moderator):
    one, two = post(citizen, "First new post."), post(neighbour, "Second new post.")
    cases = [service.find_case("comment", c.id) for c in (one, two)]
    service.decide_case(cases[0], moderator, Verdict.APPROVE)
    result = service.decide_cases([c.id for c in cases], moderator, Verdict.APPROVE)
    db.session.commit()
    assert result.decided == 1 and len(result.skipped) == 1
    assert all(c.state is CaseState.APPROVED for c in cases)
    with pytest.raises(service.ClauseRequired):
        service.decide_cases([cases[0].id], moderator, Verdict.REMOVE)


# --- sanctions --------------------------------------------------------------------


def test_a_muted_person_cannot_post_and_is_told_until_when(post, citizen, moderator, trust):
    trust(citizen)
    sanction = service.sanction_user(
        citizen, moderator, SanctionKind.MUTE, "1.1", "Repeated insults", hours=48
    )
    db.session.commit()
    assert sanction.ends_at - sanction.starts_at == timedelta(hours=48)
    with pytest.raises(service.Restricted) as caught:
        post(citizen, "Can I still post?")
    assert caught.value.status == 403
    assert "muted until" in str(caught.value) and "Repeated insults." in str(caught.value)
    db.session.rollback()
    assert any("muted until" in text for text in notices(citizen))
    # Once the period is over they can post again.
    later = utcnow() + timedelta(hours=49)
    assert service.restriction_for(citizen, later) is None


def test_sanctions_need_a_clause_a_reason_and_a_period(citizen, moderator, second_moderator):
    with pytest.raises(service.ClauseRequired):
        service.sanction_user(citizen, moderator, SanctionKind.WARN, None, "Rude")
    with pytest.raises(service.SanctionInvalid):
        service.sanction_user(citizen, moderator, SanctionKind.WARN, "1.1", "  ")
    with pytest.raises(service.SanctionInvalid):
        service.sanction_user(citizen, moderator, SanctionKind.SUSPEND, "1.1", "Rude")
    with pytest.raises(service.SanctionInvalid):
        service.sanction_user(citizen, moderator, SanctionKind.MUTE, "1.1", "Rude", hours=9000)
    with pytest.raises(service.SanctionInvalid):
        service.sanction_user(moderator, moderator, SanctionKind.WARN, "1.1", "Me")
    with pytest.raises(service.SanctionInvalid, match="admin"):
        service.sanction_user(second_moderator, moderator, SanctionKind.WARN, "1.1", "Rude")
    warning = service.sanction_user(citizen, moderator, SanctionKind.WARN, "1.1", "Rude")
    assert warning.ends_at is None and service.restriction_for(citizen) is None


# --- appeals ----------------------------------------------------------------------


def _rejected(post, citizen, moderator):
    comment = post(citizen, "The library manager is useless at her job.")
    case = service.find_case("comment", comment.id)
    service.decide_case(case, moderator, Verdict.REMOVE, clause_number="1.1")
    db.session.commit()
    return comment, case


def test_an_upheld_appeal_publishes_the_post_as_written(post, citizen, moderator, second_moderator):
    comment, case = _rejected(post, citizen, moderator)
    appeal = service.appeal_case(case, citizen, "It criticises her work, not her.")
    assert appeal.original_moderator_id == moderator.id
    service.decide_appeal(appeal, second_moderator, True, "Fair criticism of a service.")
    db.session.commit()
    assert appeal.state is AppealState.UPHELD
    assert case.state is CaseState.APPROVED
    assert comment.body == "The library manager is useless at her job."
    assert any("appeal was upheld" in text for text in notices(citizen))


def test_an_appeal_is_once_and_decided_by_another_moderator(
    post, citizen, neighbour, moderator, second_moderator
):
    _comment, case = _rejected(post, citizen, moderator)
    with pytest.raises(service.AppealRefused, match="your own posts"):
        service.appeal_case(case, neighbour, "Not mine")
    appeal = service.appeal_case(case, citizen, "Please look again.")
    with pytest.raises(service.AppealRefused, match="once") as second:
        service.appeal_case(case, citizen, "Again!")
    assert second.value.status == 409
    with pytest.raises(service.NotYourDecision) as own:
        service.decide_appeal(appeal, moderator, True, "I was right after all")
    assert own.value.status == 403
    service.decide_appeal(appeal, second_moderator, False, "The insult is about her.")
    with pytest.raises(service.AppealRefused):
        service.decide_appeal(appeal, second_moderator, True, "Changed my mind")
    db.session.commit()
    assert case.state is CaseState.REJECTED and appeal.state is AppealState.DISMISSED


def test_a_moderator_cannot_decide_their_own_appeal(
    create_user, moderator, second_moderator, create_consultation
):
    admin = create_user(role=Role.ADMIN)
    sanction = service.sanction_user(
        second_moderator, admin, SanctionKind.MUTE, "1.1", "Too harsh", hours=2
    )
    appeal = service.appeal_sanction(sanction, second_moderator, "I was quoting someone.")
    with pytest.raises(service.NotYourDecision, match="your own appeal"):
        service.decide_appeal(appeal, second_moderator, True, "Mine")
    service.decide_appeal(appeal, moderator, True, "Quoting is fine.")
    db.session.commit()
    assert sanction.lifted_at is not None
    assert service.restriction_for(second_moderator) is None


def test_nothing_to_appeal_on_a_post_published_as_written(post, citizen, trust):
    trust(citizen)
    comment = post(citizen, "Lovely idea.")
    with pytest.raises(service.AppealRefused, match="no decision"):
        service.appeal_case(service.find_case("comment", comment.id), citizen, "Why?")


# --- figures ----------------------------------------------------------------------


def test_figures_count_decisions_clauses_waits_and_appeals(
    post, citizen, neighbour, moderator, second_moderator, consultation
):
    comment = post(citizen, "A held post.")
    case = service.find_case("comment", comment.id)
    service.decide_case(
        case, moderator, Verdict.APPROVE, now=case.queued_at + timedelta(minutes=30)
    )
    _rejected_comment, rejected = _rejected(post, neighbour, moderator)
    rejected.decided_at = rejected.queued_at + timedelta(minutes=90)
    appeal = service.appeal_case(rejected, neighbour, "Please")
    service.decide_appeal(appeal, second_moderator, True, "Upheld")
    db.session.commit()
    overall = service.figures()
    assert overall.posts == 2 and overall.by_auto_action["hold"] == 2
    assert dict((n, c) for n, _t, c in overall.by_clause)["8.1"] == 2
    assert overall.by_verdict["approve"] == 2 and overall.by_verdict["remove"] == 1
    assert overall.appeals_upheld == 1 and overall.appeals_decided == 1
    assert overall.median_minutes is not None
    [row] = service.figures_by_consultation()
    assert row.title == consultation.title and row.figures.posts == 2


# --- the audit log ----------------------------------------------------------------


def test_every_decision_sanction_appeal_and_role_change_is_in_the_chain(
    post, citizen, moderator, second_moderator, create_user
):
    _comment, case = _rejected(post, citizen, moderator)
    appeal = service.appeal_case(case, citizen, "Please")
    service.decide_appeal(appeal, second_moderator, False, "No")
    service.sanction_user(citizen, moderator, SanctionKind.WARN, "1.1", "Rude")
    admin = create_user(role=Role.ADMIN)
    accounts.change_role(citizen, Role.STAFF, changed_by=admin)
    db.session.commit()
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert [e.event for e in entries] == [
        "decision",  # held by the rules
        "decision",  # rejected by the moderator
        "appeal",
        "appeal_decided",
        "sanction",
        "role_change",
    ]
    assert entries[1].actor_id == moderator.id and entries[0].actor_id is None
    assert entries[-1].subject == f"user:{citizen.id}" and entries[-1].actor_id == admin.id
    assert [e.seq for e in entries] == list(range(1, 7))
    assert all(e.prev_hash == p.hash for p, e in pairwise(entries))
    assert audit.verify().ok


def test_a_rolled_back_decision_leaves_no_entry(post, citizen, consultation):
    post(citizen, "Held post")
    last = select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)
    before = db.session.scalar(last)
    with pytest.raises(service.ContentRejected):
        dialogue.post_comment(consultation, citizen, "You idiot.")
    db.session.rollback()
    assert db.session.scalar(last) == before


# --- announcements ----------------------------------------------------------------


def test_an_announcement_with_a_private_number_waits_and_followers_hear_on_approval(
    consultation, create_user, citizen, moderator
):
    from townhall.consultations import service as consultations

    officer = create_user(role=Role.OFFICER)
    consultations.follow(citizen, consultation)
    plain = consultations.post_announcement(consultation, officer, "Hours", "Open 10 to 4.")
    held = consultations.post_announcement(
        consultation, officer, "Call us", "Ring Sam on 07700 900123 for the rota."
    )
    db.session.commit()
    assert service.find_case("announcement", plain.id).state is CaseState.PUBLISHED
    case = service.find_case("announcement", held.id)
    assert case.state is CaseState.HELD and case.clauses == ["3.3"]
    assert held.body == AWAITING_TEXT

    def told() -> list[str]:
        return list(
            db.session.scalars(
                select(Notification.text).where(
                    Notification.user_id == citizen.id,
                    Notification.kind == NotificationKind.ANNOUNCEMENT,
                )
            )
        )

    assert told() == [f"New announcement on “{consultation.title}”: Hours"]
    service.decide_case(case, moderator, Verdict.REDACT_APPROVE, clause_number="3.3")
    db.session.commit()
    assert held.body == "Ring Sam on [removed: personal details] for the rota."
    assert told()[-1] == f"New announcement on “{consultation.title}”: Call us"


# --- proposals --------------------------------------------------------------------


@pytest.fixture
def proposing(create_consultation, create_user):
    """A consultation that takes proposals."""
    officer = create_user(role=Role.OFFICER)
    return create_consultation(author=officer, uses_proposals=True, title="Park ideas")


def test_a_new_accounts_proposal_is_hidden_until_approved(proposing, citizen, moderator):
    from townhall.proposals import service as proposals
    from townhall.proposals.models import ProposalStatus

    details = proposals.ProposalDetails("A bench by the pond", "Call me on 07700 900123.")
    proposal = proposals.submit_proposal(proposing, citizen, details)
    db.session.commit()
    assert proposal.status is ProposalStatus.HIDDEN
    case = service.find_case("proposal", proposal.id)
    assert case.state is CaseState.HELD and case.clauses == ["3.2", "8.1"]
    assert case.consultation_title == "Park ideas"
    service.decide_case(case, moderator, Verdict.APPROVE)
    db.session.commit()
    assert proposal.status is ProposalStatus.PUBLISHED
    assert proposal.title == "A bench by the pond"
    assert proposal.body == "Call me on [removed: personal details]."


def test_a_rejected_proposal_is_not_stored(proposing, citizen, trust):
    from townhall.proposals import service as proposals
    from townhall.proposals.models import Proposal

    trust(citizen)
    with pytest.raises(service.ContentRejected, match=r"clause 1\.2"):
        proposals.submit_proposal(
            proposing, citizen, proposals.ProposalDetails("Bullshit budget", "Cut it.")
        )
    db.session.rollback()
    assert db.session.scalar(select(Proposal)) is None


# --- display names ------------------------------------------------------------------


def test_a_name_with_contact_details_is_refused_at_sign_up(app):
    with pytest.raises(service.ContentRejected, match=r"clause 6\.3"):
        accounts.register_user("jo@example.org", "Jo jo@example.org", "correct horse battery")
    db.session.rollback()
    assert accounts.find_user_by_email("jo@example.org") is None


def test_a_name_that_sounds_official_waits_for_a_moderator(app, moderator):
    user = accounts.register_user("cllr@example.org", "Cllr Jo Bloggs", "correct horse battery")
    db.session.commit()
    assert user.display_name == "New member"
    case = service.find_case("display_name", user.id)
    assert case.state is CaseState.HELD and case.clauses == ["6.1"]
    assert case.original_text == "Cllr Jo Bloggs"
    assert any("display name “Cllr Jo Bloggs” waits" in text for text in notices(user))
    service.decide_case(case, moderator, Verdict.APPROVE, note="She is a councillor.")
    db.session.commit()
    assert user.display_name == "Cllr Jo Bloggs"
    assert audit.verify().ok


def test_officers_may_use_official_names_and_ordinary_names_pass(app):
    officer = accounts.register_user(
        "o@example.org", "Olu Officer", "correct horse battery", role=Role.OFFICER
    )
    citizen = accounts.register_user("c@example.org", "Chris Citizen", "correct horse battery")
    db.session.commit()
    assert officer.display_name == "Olu Officer" and citizen.display_name == "Chris Citizen"
    assert db.session.scalar(select(ModerationCase)) is None
