"""Writing through the API: the same services, rules and refusals as the pages."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from tests.api.conftest import assert_problem
from townhall.database import utcnow
from townhall.dialogue.models import Comment
from townhall.extensions import db
from townhall.proposals.models import Ballot, ProposalStatus, Support
from townhall.proposals.service import ProposalDetails, submit_proposal


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_comment_reply_and_react(api_as, citizen, create_user, create_consultation):
    consultation = create_consultation(status="open")
    me = api_as(citizen, "read", "write")
    made = me.post(f"/consultations/{consultation.id}/comments", {"body": "Sundays, *please*"})
    assert made.status_code == 201
    comment = made.get_json()
    assert comment["author"] == "Cat Citizen"
    # Published as written, or held for moderation (new accounts' first posts): never raw.
    assert "<em>please</em>" in comment["body_html"] or "moderation" in comment["body_html"]
    other = api_as(create_user(display_name="Rita Replier"), "read", "write")
    reply = other.post(
        f"/consultations/{consultation.id}/comments",
        {"body": "Agreed", "parent_id": comment["id"]},
    ).get_json()
    assert reply["parent_id"] == comment["id"] and reply["depth"] == 1
    reacted = other.post(
        f"/consultations/{consultation.id}/comments/{comment['id']}/reactions", {"kind": "agree"}
    )
    assert reacted.get_json() == {"kind": "agree", "on": True, "count": 1}
    threads = me.get(f"/consultations/{consultation.id}/comments").get_json()
    assert threads["total_comments"] == 2
    [thread] = threads["items"]
    assert thread["reactions"]["agree"] == 1
    assert [r["id"] for r in thread["replies"]] == [reply["id"]]
    # Reacting again takes it back.
    again = other.post(
        f"/consultations/{consultation.id}/comments/{comment['id']}/reactions", {"kind": "agree"}
    )
    assert again.get_json()["on"] is False


def test_domain_refusals_come_back_in_words(api_as, citizen, create_consultation):
    closed = create_consultation(status="closed")
    me = api_as(citizen, "write")
    assert_problem(
        me.post(f"/consultations/{closed.id}/comments", {"body": "Too late"}), 403, "not open"
    )
    open_one = create_consultation(status="open")
    comment = me.post(f"/consultations/{open_one.id}/comments", {"body": "Mine"}).get_json()
    assert_problem(
        me.post(
            f"/consultations/{open_one.id}/comments/{comment['id']}/reactions", {"kind": "agree"}
        ),
        403,
        "your own",
    )
    assert_problem(
        me.post(f"/consultations/{open_one.id}/comments", {"body": "x", "parent_id": 999999}),
        404,
        "comment",
    )
    assert_problem(me.post(f"/consultations/{open_one.id}/comments", {"body": "   "}), 422)
    assert _count(Comment) == 1


def test_official_response_needs_an_officer(api_as, citizen, officer, create_consultation):
    consultation = create_consultation(status="open", author=officer)
    assert_problem(
        api_as(citizen, "write").post(
            f"/consultations/{consultation.id}/comments", {"body": "I speak", "official": True}
        ),
        403,
        "officers",
    )
    made = api_as(officer, "write").post(
        f"/consultations/{consultation.id}/comments", {"body": "We answer", "official": True}
    )
    assert made.get_json()["is_official"] is True


def _proposal(consultation, author, title="More benches"):
    proposal = submit_proposal(consultation, author, ProposalDetails(title=title, body="Please."))
    db.session.commit()
    return proposal


def test_support_and_withdraw(api_as, citizen, create_user, create_consultation):
    consultation = create_consultation(status="open", uses_proposals=True)
    proposal = _proposal(consultation, create_user())
    me = api_as(citizen, "read", "write")
    path = f"/consultations/{consultation.id}/proposals/{proposal.id}/support"
    assert me.put(path).get_json() == {"supported": True, "supports": 1}
    assert me.put(path).get_json() == {"supported": True, "supports": 1}  # idempotent
    listed = me.get(f"/consultations/{consultation.id}/proposals").get_json()
    assert listed["items"][0]["supports"] == 1
    assert me.get(f"/consultations/{consultation.id}/proposals/{proposal.id}").status_code == 200
    assert me.delete(path).get_json() == {"supported": False, "supports": 0}
    assert _count(Support) == 0


def test_hidden_proposals_are_404(api_as, create_user, create_consultation):
    consultation = create_consultation(status="open", uses_proposals=True)
    proposal = _proposal(consultation, create_user())
    proposal.status = ProposalStatus.HIDDEN
    db.session.commit()
    assert_problem(
        api_as(None).get(f"/consultations/{consultation.id}/proposals/{proposal.id}"), 404
    )


def _vote_body(**overrides):
    now = utcnow()
    body = {
        "title": "Which fruit?",
        "method": "irv",
        "opens_at": (now - timedelta(minutes=1)).isoformat(),
        "closes_at": (now + timedelta(days=3)).isoformat(),
        "stated_options": [{"label": "Apples"}, {"label": "Pears"}, {"label": "Plums"}],
    }
    return {**body, **overrides}


def test_officer_sets_up_a_vote_citizens_vote_officer_closes_it(
    api_as, citizen, create_user, officer, create_consultation
):
    consultation = create_consultation(status="open", author=officer, uses_voting=True)
    boss = api_as(officer, "read", "officer")
    made = boss.post(f"/consultations/{consultation.id}/votes", _vote_body())
    assert made.status_code == 201, made.get_json()
    vote = made.get_json()
    assert vote["state"] == "open" and vote["result"] is None and vote["ballot_shape"] == "ranking"
    ids = {o["label"]: o["id"] for o in vote["options"]}

    me = api_as(citizen, "read", "write")
    first = me.put(f"/votes/{vote['id']}/ballot", {"ranking": [ids["Pears"], ids["Apples"]]})
    assert first.status_code == 200 and first.get_json()["changed"] is False
    changed = me.put(f"/votes/{vote['id']}/ballot", {"ranking": [ids["Plums"]]})
    assert changed.get_json()["changed"] is True
    api_as(create_user(), "write").put(f"/votes/{vote['id']}/ballot", {"ranking": [ids["Plums"]]})
    assert _count(Ballot) == 2

    assert_problem(me.post(f"/votes/{vote['id']}/close"), 403, "officer scope")
    closed = boss.post(f"/votes/{vote['id']}/close").get_json()
    assert closed["state"] == "closed" and closed["winners"] == ["Plums"]
    assert closed["ballots_cast"] == 2
    listed = me.get(f"/consultations/{consultation.id}/votes").get_json()["items"]
    assert listed[0]["result"]["winners"] == closed["result"]["winners"]
    assert_problem(
        me.put(f"/votes/{vote['id']}/ballot", {"ranking": [ids["Pears"]]}), 409, "closed"
    )


def test_bad_ballots_write_nothing(api_as, citizen, officer, create_consultation):
    consultation = create_consultation(status="open", author=officer, uses_voting=True)
    vote = (
        api_as(officer, "officer")
        .post(f"/consultations/{consultation.id}/votes", _vote_body())
        .get_json()
    )
    me = api_as(citizen, "write")
    option = vote["options"][0]["id"]
    assert_problem(
        me.put(f"/votes/{vote['id']}/ballot", {"ranking": [option, option]}), 422, "more than once"
    )
    assert_problem(me.put(f"/votes/{vote['id']}/ballot", {"ranking": [123456]}), 422, "option")
    assert_problem(me.put(f"/votes/{vote['id']}/ballot", {}), 422, "empty")
    assert_problem(me.put("/votes/999999/ballot", {"ranking": [1]}), 404)
    assert _count(Ballot) == 0


def test_running_tallies_show_only_where_the_vote_says(
    api_as, citizen, officer, create_consultation
):
    consultation = create_consultation(status="open", author=officer, uses_voting=True)
    boss = api_as(officer, "officer", "read")
    live = boss.post(
        f"/consultations/{consultation.id}/votes", _vote_body(live_tallies=True, title="Live")
    ).get_json()
    hidden = boss.post(
        f"/consultations/{consultation.id}/votes", _vote_body(title="Secret")
    ).get_json()
    me = api_as(citizen, "read", "write")
    me.put(f"/votes/{live['id']}/ballot", {"ranking": [live["options"][0]["id"]]})
    assert me.get(f"/votes/{live['id']}").get_json()["result"]["winners"]
    assert me.get(f"/votes/{hidden['id']}").get_json()["result"] is None


def test_officer_runs_a_consultation_end_to_end(api_as, officer, areas):
    boss = api_as(officer, "read", "officer")
    now = utcnow()
    made = boss.post(
        "/consultations",
        {
            "title": "Skate park",
            "summary": "Where should it go?",
            "body": "Tell us.",
            "process_area_id": areas["Community Consultations"].id,
            "service_area_id": areas["Highways"].id,
            "closes_at": (now + timedelta(days=10)).isoformat(),
        },
    )
    assert made.status_code == 201, made.get_json()
    consultation = made.get_json()
    assert consultation["status"] == "draft"
    assert made.headers["Location"].endswith(f"/api/v1/consultations/{consultation['id']}")
    base = f"/consultations/{consultation['id']}"
    assert_problem(api_as(None).get(base), 404)  # a draft is the officers' own
    assert boss.post(f"{base}/transitions", {"action": "open"}).get_json()["status"] == "open"
    announced = boss.post(f"{base}/announcements", {"title": "Open now", "body": "Have a say."})
    assert announced.status_code == 201
    assert_problem(
        boss.put(
            f"{base}/outcome", {"you_said": "a", "decision": "b", "reasons": "c", "next_steps": "d"}
        ),
        403,
        "closed",
    )
    assert boss.post(f"{base}/transitions", {"action": "close"}).get_json()["status"] == "closed"
    assert_problem(boss.post(f"{base}/transitions", {"action": "open"}), 409, "cannot be opened")
    outcome = boss.put(
        f"{base}/outcome",
        {
            "you_said": "Near the park",
            "decision": "Build it",
            "reasons": "Most said so",
            "next_steps": "Plans in May",
        },
    )
    assert outcome.status_code == 200
    public = api_as(None)
    assert public.get(base).get_json()["status"] == "outcome_published"
    assert public.get(f"{base}/outcome").get_json()["decision"] == "Build it"


def test_a_citizen_cannot_run_consultations(api_as, citizen, create_consultation):
    consultation = create_consultation(status="open")
    token = api_as(citizen, "read", "write")
    assert_problem(
        token.post(f"/consultations/{consultation.id}/transitions", {"action": "close"}),
        403,
        "officer scope",
    )
