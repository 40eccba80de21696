"""A council whose every field that people see back holds the XSS corpus.

`build_scene()` writes the payloads (tests/security/xss_payloads.py) through the
services into comments, proposals, announcements, consultations, display names,
outcomes, votes, places, staff tasks, engagement plans, notifications, flags,
appeals and sanctions; `payload_standards()` writes them into a standards file
(clause titles and explanations, the standards' title and the redaction text).
`scene.pages` lists every page that shows them, with who may read it and the markers
(the plain words written after payloads) each must show, so a test knows the payloads
really reached the page. Both the HTTP test and the browser test use it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from tests.conftest import empty_all_tables, settings_for_tests
from tests.security.xss_payloads import PAYLOADS, Payload, one_line, short
from townhall import create_app
from townhall.accounts.models import DISPLAY_NAME_MAX, User
from townhall.accounts.permissions import Role
from townhall.database import utcnow
from townhall.extensions import db, limiter

SUITE_STANDARDS = Path(__file__).resolve().parents[1] / "moderation" / "suite_standards.toml"
# Payloads go into clause titles from this clause number on (the shipped ones stay).
FIRST_PAYLOAD_CLAUSE = 20
# The payload whose text the standards put in place of redacted personal details.
REDACTION_PAYLOAD = PAYLOADS[0]


def _toml_string(text: str) -> str:
    # A JSON string (non-ASCII kept as is) is a valid TOML basic string.
    return json.dumps(text, ensure_ascii=False)


def payload_standards(folder: Path) -> Path:
    """Write the suite's standards with payloads as clause texts, title and redaction."""
    lines = SUITE_STANDARDS.read_text().splitlines()
    title_payload = PAYLOADS[1]
    out: list[str] = []
    for line in lines:
        if line.startswith("title = ") and "[[clause]]" not in out:
            line = "title = " + _toml_string(one_line(title_payload))
        elif line.startswith("redaction = "):
            line = "redaction = " + _toml_string(one_line(REDACTION_PAYLOAD))
        out.append(line)
    for n, payload in enumerate(PAYLOADS):
        out += [
            "",
            "[[clause]]",
            f'number = "{FIRST_PAYLOAD_CLAUSE}.{n + 1}"',
            f"title = {_toml_string(one_line(payload))}",
            f"explanation = {_toml_string(payload.labelled())}",
            'action = "hold"',
        ]
    path = folder / "xss_standards.toml"
    path.write_text("\n".join(out) + "\n")
    return path


def xss_app(
    database_url: str, redis_url: str | None, outbox: Path, folder: Path
) -> Iterator[Flask]:
    """A fresh app (every table empty) under the payload standards."""
    settings = settings_for_tests(database_url, redis_url, outbox)
    settings["TOWNHALL_STANDARDS"] = str(payload_standards(folder))
    # The tests sign in as many people, one after another, from one address.
    settings["RATELIMIT_SIGN_IN"] = "1000 per minute"
    application = create_app(settings)
    with application.app_context():
        limiter.reset()
        yield application
    empty_all_tables(application)


@dataclass
class Page:
    """A page that shows payloads: its path, who reads it, the markers it must show."""

    name: str
    path: str
    viewer: User | None
    markers: list[str] = field(default_factory=list)


@dataclass
class Scene:
    """What `build_scene` made, and the pages that show it."""

    officer: User
    admin: User
    moderator: User
    staff: User
    citizen: User
    authors: list[User]
    consultation: Any
    closed: Any
    pages: list[Page] = field(default_factory=list)
    refused: list[tuple[str, int, str]] = field(default_factory=list)

    def page(self, name: str) -> Page:
        """The page called `name`."""
        return next(p for p in self.pages if p.name == name)


def _spread(payloads: list[Payload], parts: int) -> list[list[Payload]]:
    return [payloads[i::parts] for i in range(parts)]


def build_scene(create_user, create_consultation, *, comments: bool = True) -> Scene:
    """Write the corpus into every field people see back; list the pages that show it."""
    from townhall.consultations import service as consultations
    from townhall.consultations.models import AreaKind
    from townhall.dialogue import service as dialogue
    from townhall.engagement import service as engagement
    from townhall.moderation import service as moderation
    from townhall.moderation.models import SanctionKind, Verdict
    from townhall.notifications.models import NotificationKind
    from townhall.notifications.service import notify
    from townhall.places import service as places
    from townhall.places.models import PlaceKind
    from townhall.proposals import service as proposals
    from townhall.proposals import votes
    from townhall.proposals.models import Method

    now = utcnow()
    names = short(DISPLAY_NAME_MAX)
    # People named with payloads: a few of every group that fits in a name.
    named = names[:: max(1, len(names) // 24)][:24]
    officer = create_user(role=Role.OFFICER, display_name=one_line(named[0]))
    admin = create_user(role=Role.ADMIN, display_name="Ada Admin")
    moderator = create_user(role=Role.MODERATOR, display_name=one_line(named[1]))
    staff = create_user(role=Role.STAFF, display_name=one_line(named[2]))
    citizen = create_user(display_name="Cleo Citizen")
    authors = [create_user(display_name=one_line(p)) for p in named[3:]]
    name_markers = [p.marker for p in named]

    title_payloads = short(200)
    consultation = create_consultation(
        author=officer,
        title=one_line(title_payloads[5]),
        summary=one_line(title_payloads[6]),
        body="\n\n".join(p.labelled() for p in PAYLOADS),
        uses_proposals=True,
        uses_voting=True,
    )
    closed = create_consultation(author=officer, title=one_line(title_payloads[7]), status="closed")
    scene = Scene(officer, admin, moderator, staff, citizen, authors, consultation, closed)
    cid, closed_id = consultation.id, closed.id
    consultations.follow(citizen, consultation)
    consultations.follow(staff, closed)

    # Comments: one thread holding every payload as a reply (a page shows every reply).
    comment_ids: list[int] = []
    if comments:
        root = dialogue.post_comment(
            consultation, authors[0], PAYLOADS[0].labelled(), is_question=True
        )
        comment_ids.append(root.id)
        parent = root
        for n, payload in enumerate(PAYLOADS[1:], start=1):
            author = authors[n % len(authors)]
            # Every tenth reply starts a deeper level, so nested replies are shown too.
            reply = dialogue.post_comment(consultation, author, payload.labelled(), parent=parent)
            comment_ids.append(reply.id)
            if n % 10 == 0 and reply.depth < 4:
                parent = reply
        # A comment whose personal details are redacted with the standards' payload.
        dialogue.post_comment(consultation, citizen, "Write to me at cleo@example.org please.")
        # An edit, so the history page shows a revision.
        dialogue.edit_comment(root, authors[0], PAYLOADS[2].labelled())
        db.session.commit()

    # Announcements: one per group, title and body payloads.
    for chunk in _spread(title_payloads[10:40], 6):
        consultations.post_announcement(
            consultation, officer, one_line(chunk[0]), "\n\n".join(p.labelled() for p in chunk)
        )
    db.session.commit()

    # Proposals: title, body and location text.
    proposal_ids: list[int] = []
    for n, chunk in enumerate(_spread(PAYLOADS, 12)):
        titled = short(150)[n * 3]
        located = short(200)[n * 3 + 1]
        proposal = proposals.submit_proposal(
            consultation,
            authors[n % len(authors)],
            proposals.ProposalDetails(
                title=one_line(titled),
                body="\n\n".join(p.labelled() for p in chunk),
                location=one_line(located),
            ),
        )
        proposal_ids.append(proposal.id)
    db.session.commit()

    # A vote on stated options with payload labels, a payload title and description,
    # closed with a few ballots so the results page shows every label.
    labels = short(150)[60:80]
    opens = now - timedelta(hours=2)
    vote = votes.create_vote(
        consultation,
        officer,
        votes.VoteDetails(
            title=one_line(labels[0]),
            method=Method.IRV,
            opens_at=opens,
            closes_at=now + timedelta(days=3),
            description="\n\n".join(p.labelled() for p in PAYLOADS[80:100]),
            stated_options=[(one_line(p), None) for p in labels[1:]],
        ),
        now=opens - timedelta(seconds=1),
    )
    db.session.flush()
    options = [str(o.id) for o in vote.options]
    for n, voter in enumerate([citizen, staff, *authors[:4]]):
        votes.cast_ballot(vote, voter, votes.BallotInput(ranking=options[n:] + options[:n]))
    votes.close_vote(vote)
    db.session.commit()

    # The outcome of the closed consultation.
    consultations.publish_outcome(
        closed,
        officer,
        you_said="\n\n".join(p.labelled() for p in PAYLOADS[0::4]),
        decision="\n\n".join(p.labelled() for p in PAYLOADS[1::4]),
        reasons="\n\n".join(p.labelled() for p in PAYLOADS[2::4]),
        next_steps="\n\n".join(p.labelled() for p in PAYLOADS[3::4]),
    )
    db.session.commit()

    # An area, a place (name, address, opening hours), its link and a staff task.
    area = consultations.add_area(AreaKind.SERVICE, one_line(short(80)[40]))
    place = places.create_place(
        places.PlaceDetails(
            name=one_line(short(120)[41]),
            kind=PlaceKind.LIBRARY,
            address=one_line(short(300)[42]),
            latitude=51.752,
            longitude=-1.2577,
            opening_hours="\n".join(one_line(p) for p in short(100)[43:49]),
            service_area_id=area.id,
        )
    )
    places.link_consultation(place, consultation)
    task_payloads = short(200)[50:56]
    for p in task_payloads:
        places.create_task(
            officer,
            place.id,
            one_line(p),
            now + timedelta(days=2),
            details=PAYLOADS[-1].labelled(),
            assignee=staff,
        )
    db.session.commit()

    # An engagement plan: title, summary, objective, channel reason, role notes, project.
    plan_payloads = short(200)[90:100]
    plan = engagement.create_plan(
        officer, area.id, one_line(plan_payloads[0]), plan_payloads[1].labelled()
    )
    objective = engagement.add_objective(
        plan, plan_payloads[2].labelled(), plan_payloads[3].labelled()
    )
    engagement.choose_channel(objective, "dialogue", plan_payloads[4].labelled())
    engagement.assess_role(
        plan, Role.CITIZEN, cost=2, benefit=4, risk=1, notes=plan_payloads[5].labelled()
    )
    engagement.add_project(
        plan,
        one_line(plan_payloads[6]),
        benefit=4,
        cost=2,
        risk=2,
        consultation_id=cid,
        notes=plan_payloads[7].labelled(),
    )
    engagement.add_kpi(
        objective,
        "comments",
        10,
        date.today() - timedelta(days=10),
        date.today() + timedelta(days=10),
        consultation_id=cid,
    )
    db.session.commit()

    # Notifications whose text holds payloads (announcements and tasks add their own).
    note_payloads = short(300)[100:130]
    notify(
        [citizen.id, staff.id],
        NotificationKind.MODERATION,
        " ".join(one_line(p) for p in note_payloads[:10]),
        f"/consultations/{cid}",
    )
    db.session.commit()

    # What a person names for themselves: an API token, an area to hear about, a device.
    from townhall.api import tokens
    from townhall.places import alerts, push

    own = short(80)[180:186]
    tokens.create_token(citizen, one_line(own[0]), ["read"])
    alerts.save_area(citizen, one_line(own[1]), 51.752, -1.2577, 800)
    key = base64.urlsafe_b64encode(b"\x04" + bytes(64)).decode().rstrip("=")
    secret = base64.urlsafe_b64encode(bytes(16)).decode().rstrip("=")
    push.subscribe(
        citizen,
        {"endpoint": "https://push.example.org/1", "keys": {"p256dh": key, "auth": secret}},
        device=one_line(own[2]),
    )
    db.session.commit()

    # Moderation: flags with payload notes, a removed comment appealed, a sanction
    # appealed: all of it shown to moderators.
    flag_payloads = short(2000)[130:170]
    case_ids: list[int] = []
    if comments:
        for n, payload in enumerate(flag_payloads[:20]):
            content_id = comment_ids[n + 1]
            for flagger in (citizen, staff):
                case = moderation.flag_post(
                    "comment",
                    content_id,
                    flagger,
                    f"{FIRST_PAYLOAD_CLAUSE}.{n + 1}",
                    payload.labelled() if flagger is citizen else one_line(flag_payloads[20 + n]),
                )
            case_ids.append(case.id)
        db.session.commit()
        removed = moderation.get_case(case_ids[0])
        moderation.decide_case(
            removed,
            moderator,
            Verdict.REMOVE,
            clause_number=f"{FIRST_PAYLOAD_CLAUSE}.7",
            note=PAYLOADS[170].labelled(),
        )
        db.session.commit()
        removed_author = db.session.get(User, removed.author_id)
        appeal = moderation.appeal_case(removed, removed_author, PAYLOADS[171].labelled())
        sanction = moderation.sanction_user(
            removed_author,
            moderator,
            SanctionKind.WARN,
            f"{FIRST_PAYLOAD_CLAUSE}.8",
            one_line(PAYLOADS[172]),
        )
        sanction_appeal = moderation.appeal_sanction(
            sanction, removed_author, PAYLOADS[173].labelled()
        )
        db.session.flush()
        moderation.decide_appeal(sanction_appeal, admin, False, PAYLOADS[174].labelled())
        db.session.commit()

    comment_markers = [p.marker for p in PAYLOADS[1:]]
    first_clause = f"{FIRST_PAYLOAD_CLAUSE}.1"
    pages = [
        Page("home", "/", None, [title_payloads[5].marker]),
        Page("consultation list", "/consultations", None, [title_payloads[5].marker]),
        Page(
            "consultation page (body, dialogue, proposals, vote, announcements)",
            f"/consultations/{cid}",
            citizen,
            [p.marker for p in PAYLOADS]
            + [title_payloads[6].marker, title_payloads[10].marker, short(150)[0].marker]
            + (comment_markers + name_markers[3:6] if comments else []),
        ),
        Page("consultation page, signed out", f"/consultations/{cid}", None, [PAYLOADS[3].marker]),
        Page("consultation edit form", f"/consultations/{cid}/edit", officer, [PAYLOADS[9].marker]),
        Page(
            "closed consultation with outcome",
            f"/consultations/{closed_id}",
            None,
            [p.marker for p in PAYLOADS],
        ),
        Page("outcome form", f"/consultations/{closed_id}/outcome", officer, [PAYLOADS[5].marker]),
        Page("overdue questions (officer)", "/officer/overdue-questions", officer, []),
        Page("overdue questions", f"/consultations/{cid}/overdue-questions", officer, []),
        Page(
            "proposal pages",
            f"/proposals/{proposal_ids[0]}",
            citizen,
            [short(150)[0].marker, short(200)[1].marker]
            + [p.marker for p in _spread(PAYLOADS, 12)[0]],
        ),
        Page("vote", f"/votes/{vote.id}", citizen, [labels[0].marker, PAYLOADS[80].marker]),
        Page("vote results", f"/votes/{vote.id}/results", None, [p.marker for p in labels]),
        Page("vote receipt check", f"/votes/{vote.id}/receipt", None, [labels[0].marker]),
        Page("new vote form", f"/consultations/{cid}/votes/new", officer, []),
        Page("standards", "/standards", None, [p.marker for p in PAYLOADS] + [PAYLOADS[1].marker]),
        Page("places", "/places", staff, [short(120)[41].marker]),
        Page(
            "place",
            f"/places/{place.id}",
            staff,
            [short(120)[41].marker, short(300)[42].marker, short(100)[43].marker],
        ),
        Page("place edit form", f"/places/{place.id}/edit", officer, [short(120)[41].marker]),
        Page("poster", f"/places/{place.id}/poster", officer, [short(120)[41].marker]),
        Page(
            "check-in page",
            f"/c/{places.check_in_code(place)}",
            citizen,
            [short(120)[41].marker, title_payloads[5].marker],
        ),
        Page("tasks", "/tasks", staff, [p.marker for p in task_payloads]),
        Page("tasks (officer)", "/tasks", officer, [p.marker for p in task_payloads]),
        Page("areas (admin)", "/admin/areas", admin, [short(80)[40].marker]),
        Page("engagement plans", "/engagement/", officer, [plan_payloads[0].marker]),
        Page(
            "engagement plan",
            f"/engagement/plans/{plan.id}",
            officer,
            [p.marker for p in plan_payloads[:7]],
        ),
        Page("engagement portfolio", "/engagement/portfolio", officer, [plan_payloads[6].marker]),
        Page("engagement council dashboard", "/engagement/dashboard", officer, []),
        Page(
            "engagement area dashboard",
            f"/engagement/areas/{area.id}/dashboard",
            officer,
            [short(80)[40].marker],
        ),
        Page(
            "engagement consultation dashboard",
            f"/engagement/consultations/{cid}/dashboard",
            officer,
            [title_payloads[5].marker],
        ),
        Page(
            "engagement report",
            f"/engagement/consultations/{closed_id}/report",
            officer,
            [title_payloads[7].marker, PAYLOADS[0].marker],
        ),
        Page("engagement summary", "/engagement/summary", officer, []),
        Page("engagement stages", "/engagement/stages", officer, []),
        Page(
            "notifications",
            "/notifications",
            citizen,
            [note_payloads[0].marker, title_payloads[10].marker],
        ),
        Page("notifications (staff)", "/notifications", staff, [task_payloads[0].marker]),
        Page("account", "/account", authors[0], [named[3].marker]),
        Page("people (admin)", "/admin/users", admin, name_markers[:20]),
        Page("moderation figures", "/moderation/figures", moderator, []),
        Page("API tokens", "/account/api-tokens", citizen, [own[0].marker]),
        Page("areas to hear about", "/places/areas", citizen, [own[1].marker, own[2].marker]),
    ]
    if comments:
        root_id = comment_ids[0]
        pages += [
            # The first reply was removed by a moderator, so it is not shown.
            Page(
                "dialogue thread",
                f"/consultations/{cid}/comments/{root_id}",
                citizen,
                comment_markers[1:],
            ),
            Page(
                "reply form",
                f"/consultations/{cid}/comments/{comment_ids[5]}/reply",
                citizen,
                [PAYLOADS[5].marker],
            ),
            Page(
                "comment edit form",
                f"/consultations/{cid}/comments/{root_id}/edit",
                authors[0],
                [PAYLOADS[2].marker],
            ),
            Page(
                "comment history",
                f"/consultations/{cid}/comments/{root_id}/history",
                authors[0],
                [PAYLOADS[0].marker, PAYLOADS[2].marker],
            ),
            Page(
                "comment delete form",
                f"/consultations/{cid}/comments/{root_id}/delete",
                authors[0],
                [PAYLOADS[2].marker],
            ),
            Page(
                "flag form", f"/moderation/flag/comment/{comment_ids[40]}", citizen, [first_clause]
            ),
            Page("moderation queue", "/moderation", moderator, [flag_payloads[5].marker]),
            Page(
                "moderation case",
                f"/moderation/cases/{case_ids[1]}",
                moderator,
                [flag_payloads[1].marker, flag_payloads[21].marker],
            ),
            Page(
                "removed case",
                f"/moderation/cases/{case_ids[0]}",
                moderator,
                [flag_payloads[0].marker, flag_payloads[20].marker],
            ),
            Page("appeal", f"/moderation/appeals/{appeal.id}", moderator, [PAYLOADS[171].marker]),
            Page(
                "sanction appeal",
                f"/moderation/appeals/{sanction_appeal.id}",
                moderator,
                [PAYLOADS[172].marker, PAYLOADS[173].marker, PAYLOADS[174].marker],
            ),
            Page(
                "sanction form", f"/moderation/people/{removed_author.id}/sanction", moderator, []
            ),
            Page(
                "my moderation",
                "/moderation/mine",
                removed_author,
                [PAYLOADS[172].marker, PAYLOADS[174].marker],
            ),
        ]
    scene.pages = pages
    return scene
