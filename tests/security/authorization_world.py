"""The world the authorization matrix runs in: one person of each role, and the things
the app's routes name (consultations of every audience and state, other people's
comments, proposals, ballots, notifications, tasks, areas, tokens, appeals...).

Built once per test through the real services. Rows that change something take a
fresh target from one of the `make_*` methods, so what one role did never decides
what the next role meets; each maker takes the acting role and that role's user
(None for anonymous) and returns the object the row's URL names.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from townhall.accounts import service as accounts
from townhall.accounts.models import User
from townhall.accounts.permissions import Role
from townhall.consultations import service as consultations
from townhall.consultations.models import Audience, Consultation
from townhall.database import utcnow
from townhall.dialogue import service as dialogue
from townhall.dialogue.models import Comment
from townhall.extensions import db

ROLES = ("anonymous", "citizen", "staff", "moderator", "officer", "admin")
PASSWORD = "correct horse battery staple"
# A post the suite's standards hold for a moderator (clause 1.3).
HELD_TEXT = "I know where you live."


def b64(raw: bytes) -> str:
    """Base64url without padding, as browsers give push keys."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def push_subscription(endpoint: str) -> dict[str, Any]:
    """A well-formed browser push subscription for `endpoint`."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {"endpoint": endpoint, "keys": {"p256dh": b64(point), "auth": b64(os.urandom(16))}}


@dataclass
class World:
    """Everything the matrix's URLs name, and the makers of fresh targets."""

    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # role -> API secret
    counter: int = 0

    # --- people -----------------------------------------------------------------

    def person(self, role: Role, name: str | None = None, verified: bool = True) -> User:
        """A new account of `role`."""
        self.counter += 1
        user = accounts.register_user(
            f"w{self.counter}-{role.value}@example.org",
            name or f"{role.label} Person {self.counter}",
            PASSWORD,
            role=role,
            verified=verified,
        )
        db.session.flush()
        return user

    def actor(self, role: str) -> User | None:
        """The signed-in person who plays `role` (None for anonymous)."""
        return self.users.get(role)

    # --- consultations ------------------------------------------------------------

    def consultation(
        self,
        status: str = "open",
        audience: str = "public",
        title: str = "Library opening hours",
        **options: Any,
    ) -> Consultation:
        """A consultation in `status`, through the real services."""
        now = utcnow()
        details = consultations.ConsultationDetails(
            title=title,
            summary="Should the central library open on Sundays?",
            body="We propose **Sunday opening** from 10:00 to 16:00.",
            process_area_id=self.areas["Community Consultations"].id,
            service_area_id=self.areas["Libraries"].id,
            audience=Audience(audience),
            opens_at=now + timedelta(days=1),
            closes_at=now + timedelta(days=30),
            uses_proposals=options.pop("uses_proposals", True),
            uses_voting=options.pop("uses_voting", True),
            **options,
        )
        made = consultations.create_consultation(self.officer_author, details)
        if status in ("scheduled",):
            consultations.schedule_consultation(made)
        elif status != "draft":
            consultations.open_consultation(made)
            if status in ("closed", "outcome_published"):
                consultations.close_consultation(made)
            if status == "outcome_published":
                consultations.publish_outcome(
                    made, self.officer_author, you_said="Mostly yes.", decision="Open.",
                    reasons="Demand is high.", next_steps="Starts in May.",
                )  # fmt: skip
        db.session.flush()
        return made

    def comment(self, author: User, consultation: Consultation | None = None, **kw: Any) -> Comment:
        """A comment by `author` on the public consultation (or `consultation`)."""
        made = dialogue.post_comment(
            consultation or self.public, author, kw.pop("body", "I would use it on Sundays."), **kw
        )
        db.session.flush()
        return made

    def proposal(
        self,
        author: User,
        consultation: Consultation | None = None,
        body: str = "Open the reading room on Sunday mornings for study.",
    ) -> Any:
        """A proposal by `author` (held for a moderator when `body` breaks the standards)."""
        from townhall.proposals import service as proposals

        self.counter += 1
        made = proposals.submit_proposal(
            consultation or self.public,
            author,
            proposals.ProposalDetails(
                title=f"Open the reading room {self.counter}",
                body=body,
            ),
        )
        db.session.flush()
        return made

    def vote(self, consultation: Consultation, *, closed: bool = False) -> Any:
        """A yes-or-no vote open now (or already closed) on `consultation`."""
        from townhall.proposals import votes
        from townhall.proposals.models import Method

        now = utcnow()
        made = votes.create_vote(
            consultation,
            self.officer_author,
            votes.VoteDetails(
                title="Open on Sundays?",
                method=Method.MAJORITY,
                opens_at=now - timedelta(minutes=5),
                closes_at=now + timedelta(days=7),
            ),
            now=now - timedelta(minutes=5),
        )
        db.session.flush()
        if closed:
            votes.close_vote(made)
            db.session.flush()
        return made

    def ballot(self, vote: Any, voter: User) -> str:
        """Cast `voter`'s ballot (for) and return its receipt code."""
        from townhall.proposals import votes

        option = vote.options[0]
        receipt = votes.cast_ballot(vote, voter, votes.BallotInput(choice=str(option.id)))
        db.session.flush()
        return receipt.code

    # --- fresh targets for rows that change something ----------------------------
    # Each takes (role, actor) and returns the object the row's URL names.

    def make_own_comment(self, role: str, actor: User | None) -> Comment:
        """A comment by the actor (by someone else for anonymous, who has none)."""
        return self.comment(actor or self.other)

    def make_others_comment(self, role: str, actor: User | None) -> Comment:
        """A comment by someone else."""
        return self.comment(self.other)

    def make_staff_comment(self, role: str, actor: User | None) -> Comment:
        """A comment by a member of staff in the staff-only consultation."""
        return self.comment(self.other_staff, self.staff_only)

    def make_officers_comment(self, role: str, actor: User | None) -> Comment:
        """A comment by an officer, which may be marked as the official response."""
        return self.comment(self.officer_author)

    def make_open_consultation(self, role: str, actor: User | None) -> Consultation:
        """An open public consultation."""
        return self.consultation("open", title=f"Transitions {self.counter}")

    def make_draft(self, role: str, actor: User | None) -> Consultation:
        """A draft consultation."""
        return self.consultation("draft", title=f"A draft {self.counter}")

    def make_closed(self, role: str, actor: User | None) -> Consultation:
        """A closed consultation waiting for its outcome."""
        return self.consultation("closed", title=f"Closed {self.counter}")

    def make_proposal(self, role: str, actor: User | None) -> Any:
        """Someone else's proposal."""
        return self.proposal(self.other)

    def make_supported_proposal(self, role: str, actor: User | None) -> Any:
        """A proposal someone else supports (and the actor does not)."""
        from townhall.proposals import service as proposals

        made = self.proposal(self.officer_author)
        proposals.support_proposal(made, self.other)
        db.session.flush()
        return made

    def make_own_supported_proposal(self, role: str, actor: User | None) -> Any:
        """A proposal the actor supports (someone else for anonymous)."""
        from townhall.proposals import service as proposals

        made = self.proposal(self.officer_author)
        proposals.support_proposal(made, actor or self.other)
        db.session.flush()
        return made

    def make_open_vote(self, role: str, actor: User | None) -> Any:
        """An open vote on the public consultation."""
        return self.vote(self.public)

    def make_others_task(self, role: str, actor: User | None) -> Any:
        """A task set for someone else on the staff."""
        return self.task(self.other_staff)

    def make_own_task(self, role: str, actor: User | None) -> Any:
        """A task set for the actor (for another member of staff when they are not)."""
        from townhall.accounts.permissions import Permission, has_permission

        staff = actor if has_permission(actor, Permission.TAKE_PART_AS_STAFF) else None
        return self.task(staff or self.other_staff)

    def make_others_accepted_task(self, role: str, actor: User | None) -> Any:
        """A task someone else on the staff has accepted."""
        from townhall.places import service as places

        task = self.task(self.other_staff)
        places.accept_task(self.other_staff, task)
        db.session.flush()
        return task

    def make_own_accepted_task(self, role: str, actor: User | None) -> Any:
        """A task the actor has accepted (someone else's when they cannot)."""
        from townhall.accounts.permissions import Permission, has_permission
        from townhall.places import service as places

        holder = actor if has_permission(actor, Permission.TAKE_PART_AS_STAFF) else None
        holder = holder or self.other_staff
        task = self.task(holder)
        places.accept_task(holder, task)
        db.session.flush()
        return task

    def task(self, assignee: User) -> Any:
        """A task at the library for `assignee`."""
        from townhall.places import service as places

        made = places.create_task(
            self.officer_author,
            self.place.id,
            "Put up the poster",
            utcnow() + timedelta(days=2),
            assignee=assignee,
        )
        db.session.flush()
        return made

    def make_others_area(self, role: str, actor: User | None) -> Any:
        """An area of interest someone else saved."""
        from townhall.places import alerts

        made = alerts.save_area(self.other, "Near home", 51.5, -0.12, 500)
        db.session.flush()
        return made

    def make_own_area(self, role: str, actor: User | None) -> Any:
        """An area of interest the actor saved (someone else's for anonymous)."""
        from townhall.places import alerts

        made = alerts.save_area(actor or self.other, "My street", 51.5, -0.12, 500)
        db.session.flush()
        return made

    def make_others_push(self, role: str, actor: User | None) -> Any:
        """A push subscription of someone else's device."""
        return self.push_for(self.other)

    def make_own_push(self, role: str, actor: User | None) -> Any:
        """A push subscription of the actor's device (someone else's for anonymous)."""
        return self.push_for(actor or self.other)

    def push_for(self, user: User) -> Any:
        from townhall.places import push

        self.counter += 1
        made = push.subscribe(
            user, push_subscription(f"https://push.example.com/device-{self.counter}")
        )
        db.session.flush()
        return made

    def make_others_token(self, role: str, actor: User | None) -> Any:
        """An API token of someone else."""
        return self.token_for(self.other)

    def make_own_token(self, role: str, actor: User | None) -> Any:
        """An API token of the actor (someone else's for anonymous)."""
        return self.token_for(actor or self.other)

    def token_for(self, user: User, *scopes: str) -> Any:
        from townhall.api.tokens import create_token

        self.counter += 1
        made = create_token(user, f"token {self.counter}", list(scopes or ("read", "write")))
        db.session.flush()
        return made.token

    def make_others_notification(self, role: str, actor: User | None) -> Any:
        """An unread notification of someone else."""
        return self.notification_for(self.other)

    def make_own_notification(self, role: str, actor: User | None) -> Any:
        """An unread notification of the actor (someone else's for anonymous)."""
        return self.notification_for(actor or self.other)

    def notification_for(self, user: User) -> Any:
        from townhall.notifications import service as notifications
        from townhall.notifications.models import Notification, NotificationKind

        notifications.notify(
            [user.id], NotificationKind.ANNOUNCEMENT, "News", f"/consultations/{self.public.id}"
        )
        db.session.flush()
        return db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id.desc())
        ).first()

    def make_person(self, role: str, actor: User | None) -> User:
        """A citizen for admins to change or moderators to sanction."""
        return self.person(Role.CITIZEN)

    def make_fellow_moderator(self, role: str, actor: User | None) -> User:
        """A moderator, whom only an admin may sanction."""
        return self.person(Role.MODERATOR)

    def make_area(self, role: str, actor: User | None) -> Any:
        """A process area for admins to rename."""
        self.counter += 1
        made = consultations.add_area(self.areas["Libraries"].kind, f"Archives {self.counter}")
        db.session.flush()
        return made

    def make_held_case(self, role: str, actor: User | None) -> Any:
        """A moderation case of someone else's held comment."""
        from townhall.moderation import service as moderation

        comment = self.comment(self.other, body=HELD_TEXT)
        return moderation.find_case("comment", comment.id)

    def make_rejected_case(self, role: str, actor: User | None) -> Any:
        """A case rejected by a moderator; its author may appeal it."""
        from townhall.moderation import service as moderation
        from townhall.moderation.models import Verdict

        author = actor or self.other
        comment = self.comment(author, body=HELD_TEXT)
        case = moderation.find_case("comment", comment.id)
        moderation.decide_case(case, self.other_moderator, Verdict.REMOVE, clause_number="1.3")
        db.session.flush()
        return case

    def make_others_rejected_case(self, role: str, actor: User | None) -> Any:
        """A rejected case of someone else's post."""
        return self.make_rejected_case(role, None)

    def make_sanction(self, role: str, actor: User | None) -> Any:
        """A warning given to the actor (to someone else for anonymous)."""
        from townhall.accounts.permissions import Permission, has_permission
        from townhall.moderation import service as moderation
        from townhall.moderation.models import SanctionKind

        person = actor or self.other
        # Only an admin may sanction a moderator (or an admin).
        by = self.admin_author if has_permission(person, Permission.MODERATE) else None
        made = moderation.sanction_user(
            person, by or self.other_moderator, SanctionKind.WARN, "1.1", "Language."
        )
        db.session.flush()
        return made

    def make_others_sanction(self, role: str, actor: User | None) -> Any:
        """A warning given to someone else."""
        return self.make_sanction(role, None)

    def make_appeal(self, role: str, actor: User | None) -> Any:
        """Someone else's appeal against another moderator's rejection."""
        from townhall.moderation import service as moderation

        case = self.make_rejected_case(role, None)
        made = moderation.appeal_case(case, self.other, "It was a quote from a film.")
        db.session.flush()
        return made

    def make_appeal_on_own_decision(self, role: str, actor: User | None) -> Any:
        """An appeal against the actor's own decision (another moderator's, when the actor
        cannot moderate)."""
        from townhall.accounts.permissions import Permission, has_permission
        from townhall.moderation import service as moderation
        from townhall.moderation.models import Verdict

        decider = actor if has_permission(actor, Permission.MODERATE) else self.other_moderator
        comment = self.comment(self.other, body=HELD_TEXT)
        case = moderation.find_case("comment", comment.id)
        moderation.decide_case(case, decider, Verdict.REMOVE, clause_number="1.3")
        made = moderation.appeal_case(case, self.other, "It was a quote from a film.")
        db.session.flush()
        return made

    def make_plan(self, role: str, actor: User | None) -> Any:
        """An engagement plan."""
        from townhall.engagement import service as engagement

        made = engagement.create_plan(
            self.officer_author, self.areas["Libraries"].id, "Libraries plan"
        )
        db.session.flush()
        return made

    def make_objective(self, role: str, actor: User | None) -> Any:
        """An objective of a plan."""
        from townhall.engagement import service as engagement

        made = engagement.add_objective(self.plan, "Hear from young people", "Ideas")
        db.session.flush()
        return made

    def make_webhook(self, role: str, actor: User | None) -> Any:
        """A webhook endpoint an admin registered."""
        from townhall.api import webhooks

        endpoint, _secret = webhooks.register_endpoint(
            self.admin_author, "https://hooks.example.com/townhall", ["consultation.opened"]
        )
        db.session.flush()
        return endpoint

    def make_reset_token(self, role: str, actor: User | None) -> str:
        """A password reset token for someone else."""
        _user, token = accounts.request_password_reset(self.other.email)
        db.session.flush()
        return token

    def make_email_change_token(self, role: str, actor: User | None) -> str:
        """A link confirming a new email address for a new person."""
        self.counter += 1
        person = self.person(Role.CITIZEN)
        return accounts.request_email_change(person, PASSWORD, f"moved-{self.counter}@example.org")

    def make_not_me_token(self, role: str, actor: User | None) -> str:
        """A "this was not me" link for a new person's change of email address."""
        self.counter += 1
        person = self.person(Role.CITIZEN)
        return accounts.make_not_me_token(person, f"moved-{self.counter}@example.org")

    def make_verify_token(self, role: str, actor: User | None) -> str:
        """An email confirmation token for an unverified person."""
        return accounts.make_verification_token(self.person(Role.CITIZEN, verified=False))

    # --- checks: what no one else's request may change ------------------------------

    def others_supports(self) -> list[int]:
        """The proposals the neighbour supports."""
        from townhall.proposals.models import Support

        db.session.commit()
        return sorted(
            db.session.scalars(select(Support.proposal_id).where(Support.user_id == self.other.id))
        )

    def others_ballot(self) -> Any:
        """The neighbour's ballot in the open vote: its receipt and marks."""
        from townhall.proposals import votes

        db.session.commit()
        found = votes.verify_receipt(self.open_vote, self.others_receipt)
        return (found is not None, votes.own_marks(self.open_vote, self.other))

    def others_unread(self) -> int:
        """How many notifications the neighbour has not read."""
        from townhall.notifications import service as notifications

        db.session.commit()
        return notifications.unread_count(self.other)

    def others_location_data(self) -> tuple[list[int], int, int]:
        """The neighbour's saved areas, check-ins and push devices."""
        from sqlalchemy import func

        from townhall.places import alerts, push
        from townhall.places.models import CheckIn

        db.session.commit()
        check_ins = db.session.scalar(
            select(func.count()).select_from(CheckIn).where(CheckIn.user_id == self.other.id)
        )
        return (
            sorted(a.id for a in alerts.areas_of(self.other)),
            check_ins or 0,
            len(push.devices_of(self.other)),
        )


def build_world(app: Any, areas: dict[str, Any]) -> World:
    """Make the people and things every row of the matrix names, and commit."""
    from townhall.api.tokens import create_token, offered_scopes
    from townhall.places import service as places
    from townhall.places.models import PlaceKind

    app.config["TOWNHALL_WEBHOOKS_IN_BACKGROUND"] = False
    w = World()
    w.areas = areas
    for role in ROLES[1:]:
        w.users[role] = w.person(Role(role), f"{role.capitalize()} Actor")
    w.officer_author = w.person(Role.OFFICER, "Olive Officer")
    w.admin_author = w.person(Role.ADMIN, "Ada Admin")
    w.other = w.person(Role.CITIZEN, "Ned Neighbour")
    w.other_staff = w.person(Role.STAFF, "Sam Staff")
    w.other_moderator = w.person(Role.MODERATOR, "Max Moderator")

    w.public = w.consultation("open")
    w.staff_only = w.consultation("open", audience="staff", title="Staff canteen hours")
    w.draft = w.consultation("draft", title="Parking charges draft")
    w.closed = w.consultation("outcome_published", title="Bins collection")
    w.others_comment = w.comment(w.other)
    w.staff_comment = w.comment(w.other_staff, w.staff_only)
    w.held_comment = w.comment(w.other, body=HELD_TEXT)
    w.proposal_ = w.proposal(w.other)
    w.staff_proposal = w.proposal(w.other_staff, w.staff_only)
    w.held_proposal = w.proposal(w.other, body=HELD_TEXT)
    w.open_vote = w.vote(w.public)
    w.staff_vote = w.vote(w.staff_only)
    w.closed_vote = w.vote(w.public, closed=True)
    w.others_receipt = w.ballot(w.open_vote, w.other)
    w.make_others_area("", None)
    w.make_others_push("", None)

    from townhall.engagement import service as engagement

    w.place = places.create_place(
        places.PlaceDetails(
            name="Central Library",
            kind=PlaceKind(next(iter(k.value for k in PlaceKind))),
            address="1 High Street",
            latitude=51.5,
            longitude=-0.12,
        )
    )
    db.session.flush()
    w.code = places.check_in_code(w.place)
    places.check_in(w.other, w.place, None)
    w.plan = engagement.create_plan(w.officer_author, areas["Libraries"].id, "Libraries plan")
    db.session.flush()
    w.objective = engagement.add_objective(w.plan, "Hear from young people", "Ideas")
    w.case = w.make_held_case("", None)
    w.appeal = w.make_appeal("", None)
    w.others_sanction = w.make_sanction("", None)
    w.webhook = w.make_webhook("", None)
    db.session.flush()
    for role in ROLES[1:]:
        user = w.users[role]
        made = create_token(user, "matrix", [s.value for s in offered_scopes(user)])
        w.tokens[role] = made.secret
    db.session.commit()
    return w
