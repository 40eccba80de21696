"""The demo council that `make run` and `flask townhall seed-demo` create.

Consultations in several areas and in every state, with announcements, followers,
threaded dialogue (questions, replies, reactions, official responses) and published
outcomes, backdated so the pages read like a town hall that has been running a while.
Everything goes through the real services, so the demo only holds what the app allows.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from townhall.accounts import service as accounts
from townhall.accounts.models import User
from townhall.accounts.permissions import Role
from townhall.consultations import service as consultations
from townhall.consultations.models import Announcement, Audience, Consultation, Status
from townhall.database import utcnow
from townhall.extensions import db

RESIDENTS = [
    "Amira Hussain", "Ben Carter", "Chloe Williams", "Dev Patel", "Ellie Roberts",
    "Femi Adeyemi", "Grace O'Neill", "Harry Thompson", "Isla MacDonald", "Jack Nowak",
    "Kiran Shah", "Lucy Evans", "Mo Rahman", "Nina Kowalska", "Owen Price",
    "Priya Nair", "Quentin Hale", "Rosa Martinez", "Sam Okafor", "Tess Baker",
]  # fmt: skip


@dataclass
class Thread:
    """A demo conversation: an opening comment and its replies (author index, text)."""

    opening: str
    question: bool = False
    replies: list[tuple[str, str]] = field(default_factory=list)
    official_answer: str | None = None


@dataclass
class DemoConsultation:
    """One consultation of the demo council and what happens in it."""

    title: str
    summary: str
    body: str
    process_area: str
    service_area: str
    status: Status
    audience: Audience = Audience.PUBLIC
    days_ago: int = 10  # when it opened
    length_days: int = 42
    announcements: list[tuple[str, str]] = field(default_factory=list)
    threads: list[Thread] = field(default_factory=list)
    outcome: tuple[str, str, str, str] | None = None
    uses_proposals: bool = False
    uses_voting: bool = False


CONSULTATIONS = [
    DemoConsultation(
        title="Sunday opening at Central Library",
        summary="Should Central Library open on Sundays from 10am to 4pm, paid for by closing on Monday mornings?",
        body=(
            "Visitor numbers show that many people cannot reach the library on weekdays.\n\n"
            "We propose to:\n\n"
            "- open **Central Library** on Sundays, 10:00 to 16:00;\n"
            "- close on Monday mornings to keep staff hours the same;\n"
            "- run a six-month trial and publish the visitor figures.\n\n"
            "Tell us what would work for you, and what we may have missed."
        ),
        process_area="Community Consultations",
        service_area="Libraries",
        status=Status.OPEN,
        days_ago=12,
        announcements=[
            (
                "Drop-in session on Saturday",
                "Come and talk to the library team on **Saturday 10am to 1pm** in the main reading room.",
            ),
            (
                "Visitor figures published",
                "We have added last year's visitor figures by day and hour to the library's page.",
            ),
        ],
        threads=[
            Thread(
                "I work weekdays, so Sunday opening would be the first time in years I could bring my children. Fully support it.",
                replies=[
                    (
                        "resident",
                        "Same here. Saturday is football and swimming; Sunday afternoon would be perfect.",
                    ),
                    ("resident", "Agreed, though 4pm feels early. Could it be 11 to 5 instead?"),
                ],
            ),
            Thread(
                "Will the Monday closure affect the job club? Several people rely on the computers on Monday mornings.",
                question=True,
                official_answer=(
                    "Thank you for raising this. The job club would move to Monday afternoon, "
                    "with the same number of computer sessions. We will confirm times before any change."
                ),
                replies=[("resident", "That is reassuring, thanks.")],
            ),
            Thread(
                "Has anyone asked the staff what they think? Sunday working is a big change for them.",
                replies=[
                    ("resident", "Good point. Hopefully it would be voluntary with proper pay."),
                    ("resident", "The union newsletter says staff were consulted last month."),
                ],
            ),
            Thread(
                "Please keep the study room open on Sundays too: exam season is when we need it most.",
            ),
        ],
    ),
    DemoConsultation(
        title="20 mph on residential streets in Northfield",
        summary="We want to hear your views on a 20 mph limit for residential streets in Northfield, with signs and road markings but no speed humps.",
        body=(
            "Following requests from residents and both primary schools, we propose a **20 mph limit** on the residential streets of Northfield.\n\n"
            "Main roads (the A420 and Station Road) would stay at 30 mph. The scheme uses signs and road markings only.\n\n"
            "A map of the streets included is available from the Road Safety team."
        ),
        process_area="Community Consultations",
        service_area="Road Safety",
        status=Status.OPEN,
        days_ago=20,
        announcements=[
            (
                "Traffic survey results",
                "Average speeds on Elm Grove were **27 mph**, with 15% of vehicles above 35 mph.",
            ),
        ],
        threads=[
            Thread(
                "Long overdue. Cars race down Elm Grove at school time.",
                replies=[
                    (
                        "resident",
                        "Signs alone won't slow the people who already speed. Will there be enforcement?",
                    ),
                    ("resident", "Speed cameras would do more than any sign."),
                    ("resident", "Community speed watch works well in the next village over."),
                ],
            ),
            Thread(
                "How will this be enforced? The police say they have no officers to spare.",
                question=True,
                official_answer=(
                    "The police support the scheme and will include Northfield in their routine checks. "
                    "We will also lend speed indicator signs to residents' groups."
                ),
            ),
            Thread(
                "I drive for a living and 20 mph on every side street will add real time to my day.",
                replies=[
                    ("resident", "A few seconds per street. Not much against a child's safety.")
                ],
            ),
            Thread(
                "Could the limit start at the school gates on Park Lane too? That is the busiest crossing.",
                question=True,
            ),
        ],
    ),
    DemoConsultation(
        title="Garden waste collections: fortnightly or monthly in winter?",
        summary="Garden waste collections cost more per bin in winter. Should collections move to monthly from December to February?",
        body=(
            "Between December and February most garden waste bins are less than a quarter full.\n\n"
            "Moving to **monthly collections in winter** would save around £120,000 a year, which we would put towards street cleaning."
        ),
        process_area="Service Planning",
        service_area="Waste Services",
        status=Status.OPEN,
        days_ago=5,
        threads=[
            Thread(
                "Makes sense. My bin is empty most of the winter.",
                replies=[("resident", "Mine too, apart from the Christmas tree.")],
            ),
            Thread("What happens to Christmas trees if collections are monthly?", question=True),
            Thread(
                "Please don't cut services again. We pay for this subscription.",
                replies=[
                    (
                        "resident",
                        "The price would stay the same for fewer collections, so it is a cut in effect.",
                    )
                ],
            ),
        ],
    ),
    DemoConsultation(
        title="Community grants 2027: how should we spend £50,000?",
        summary="Put forward projects for your neighbourhood, support the ones you like, and vote on how the £50,000 community grants fund is spent.",
        body=(
            "Each year the council sets aside **£50,000** for projects proposed by residents.\n\n"
            "1. Put forward a project with its cost.\n"
            "2. Support the projects you like: those with enough support go to the vote.\n"
            "3. Vote for the projects you want funded within the budget."
        ),
        process_area="Community Engagement",
        service_area="Libraries",
        status=Status.OPEN,
        days_ago=15,
        uses_proposals=True,
        uses_voting=True,
        threads=[
            Thread(
                "Can a project cover two wards, or must it stay in one?",
                question=True,
                official_answer="A project can cover neighbouring wards if it names a lead group.",
            ),
        ],
    ),
    DemoConsultation(
        title="Hybrid working policy for council staff",
        summary="A draft policy on working from home and in the office for all council staff. For staff only.",
        body=(
            "This draft replaces the temporary arrangements agreed in 2021.\n\n"
            "It proposes at least **two office days a week** for teams that serve the public in person, "
            "and team-level agreements for everyone else."
        ),
        process_area="Staff Consultations",
        service_area="Registration Services",
        status=Status.OPEN,
        audience=Audience.STAFF,
        days_ago=8,
        threads=[
            Thread(
                "Team agreements are sensible. One rule for the whole council never fitted.",
                replies=[("staff", "Agreed, registration has very different needs from finance.")],
            ),
            Thread(
                "Will desks be bookable? Our floor has fewer desks than people now.", question=True
            ),
        ],
    ),
    DemoConsultation(
        title="Trading Standards priorities for next year",
        summary="Help us choose where Trading Standards should focus: doorstep crime, illegal tobacco, online scams or food labelling.",
        body="We can only run three major campaigns a year. Tell us which problems you see most in your area.",
        process_area="Policy Development",
        service_area="Trading Standards",
        status=Status.SCHEDULED,
        days_ago=-5,
    ),
    DemoConsultation(
        title="Registration office appointment booking",
        summary="A draft consultation on online booking for births, deaths and ceremonies.",
        body="Draft: to be reviewed by the registration team before publication.",
        process_area="Customer Service",
        service_area="Registration Services",
        status=Status.DRAFT,
        days_ago=-20,
    ),
    DemoConsultation(
        title="Pothole reporting: what would make it easier?",
        summary="We asked how you would like to report potholes and follow what happens next.",
        body="We are redesigning how potholes are reported, tracked and fixed, and want to start from your experience.",
        process_area="Customer Service",
        service_area="Highways",
        status=Status.CLOSED,
        days_ago=50,
        length_days=35,
        threads=[
            Thread(
                "I reported the same pothole three times and never heard back.",
                replies=[
                    (
                        "resident",
                        "Same. A reference number and updates would make all the difference.",
                    )
                ],
            ),
            Thread(
                "A photo upload with the map location would save everyone time.",
                replies=[
                    ("resident", "Yes, and let us see potholes others have already reported.")
                ],
            ),
            Thread(
                "Why does it take so long to fix a reported pothole?",
                question=True,
                official_answer="Urgent defects are made safe within 24 hours; others are scheduled by severity, usually within 28 days.",
            ),
        ],
    ),
    DemoConsultation(
        title="Mobile library routes",
        summary="We asked which villages the mobile library should visit, and when.",
        body="The mobile library visits 24 stops every fortnight. We reviewed the routes with you.",
        process_area="Community Engagement",
        service_area="Libraries",
        status=Status.OUTCOME_PUBLISHED,
        days_ago=90,
        length_days=40,
        threads=[
            Thread(
                "Please keep the Thursday stop at Ashby: many older residents rely on it.",
                replies=[("resident", "Agree, my mother uses it every fortnight.")],
            ),
            Thread(
                "An evening stop once a month would let working people use it.",
                question=True,
                official_answer="We will trial a monthly evening stop at the three largest villages.",
            ),
        ],
        outcome=(
            "Most of you wanted existing daytime stops kept, and many asked for an evening stop.",
            "We are keeping every daytime stop, including Ashby on Thursdays, and adding a monthly evening stop at three villages.",
            "Daytime stops serve people with no other access to a library; evening stops reach people who work.",
            "New timetables go up at every stop next month. We will review evening use after six months.",
        ),
    ),
    DemoConsultation(
        title="Bulky waste collection charges",
        summary="We consulted on the charges for collecting large household items.",
        body="We proposed a flat charge of £25 for up to three items.",
        process_area="Service Planning",
        service_area="Waste Services",
        status=Status.OUTCOME_PUBLISHED,
        days_ago=120,
        length_days=30,
        threads=[
            Thread(
                "£25 is fair if it stops fly-tipping.",
                replies=[("resident", "It won't stop it, but it helps.")],
            ),
            Thread(
                "Could people on benefits get a reduced rate?",
                question=True,
                official_answer="Yes: the final scheme includes a £10 rate for households on council tax support.",
            ),
        ],
        outcome=(
            "You told us £25 was fair for most people but too much for households on low incomes.",
            "A £25 charge for up to three items, and £10 for households on council tax support.",
            "It covers our costs while keeping the service open to everyone.",
            "The new charges start on 1 April. Book online or by phone.",
        ),
    ),
    DemoConsultation(
        title="Community emergency plans",
        summary="How should the council share warnings and advice in floods and storms?",
        body="We reviewed how we communicate in emergencies, with the communities most affected by last winter's floods.",
        process_area="Emergency Communications",
        service_area="Highways",
        status=Status.ARCHIVED,
        days_ago=200,
        length_days=30,
        threads=[Thread("Text alerts worked well for us in the last flood.")],
        outcome=(
            "Text alerts and local volunteers were most trusted.",
            "We will keep text alerts and train a flood warden in every affected village.",
            "These reached the most people when power and internet were down.",
            "Warden training runs this autumn.",
        ),
    ),
]


def _residents(rng: random.Random) -> list[User]:
    password_hash = accounts.hash_password(secrets.token_urlsafe(24))
    people = []
    for n, name in enumerate(RESIDENTS, start=1):
        user = User(
            email=f"resident{n}@demo.townhall.example",
            display_name=name,
            password_hash=password_hash,
            role=Role.STAFF if n % 5 == 0 else Role.CITIZEN,
            email_verified_at=utcnow() - timedelta(days=rng.randint(30, 400)),
        )
        db.session.add(user)
        people.append(user)
    db.session.flush()
    return people


def _backdate(model: type, ids: list[int], when: datetime) -> None:
    if ids:
        db.session.execute(update(model).where(model.id.in_(ids)).values(created_at=when))


def _dialogue(
    consultation: Consultation,
    plan: DemoConsultation,
    opened: datetime,
    people: list[User],
    officer: User,
    rng: random.Random,
) -> None:
    """Add the plan's threads, as people would have written them over the weeks."""
    from townhall.dialogue import service as dialogue
    from townhall.dialogue.models import ReactionKind

    audience = [p for p in people if plan.audience is Audience.PUBLIC or p.role is Role.STAFF]
    span = max(1, min(plan.days_ago, plan.length_days) - 1)
    for number, thread in enumerate(plan.threads):
        when = opened + timedelta(hours=rng.randint(2, span * 20), minutes=number)
        author = rng.choice(audience)
        root = dialogue.post_comment(
            consultation, author, thread.opening, is_question=thread.question, now=when
        )
        last = root
        if thread.official_answer:
            when = when + timedelta(hours=rng.randint(3, 48))
            last = dialogue.post_comment(
                consultation, officer, thread.official_answer, parent=root, official=True, now=when
            )
        for n, (_who, text) in enumerate(thread.replies):
            when = when + timedelta(hours=rng.randint(1, 30))
            replier = rng.choice([p for p in audience if p.id != last.author_id])
            parent = last if n % 2 or thread.official_answer else root
            last = dialogue.post_comment(consultation, replier, text, parent=parent, now=when)
        others = [p for p in audience if p.id != root.author_id]
        for voter in rng.sample(others, k=min(len(others), rng.randint(2, 9))):
            kind = rng.choice(
                [
                    ReactionKind.AGREE,
                    ReactionKind.AGREE,
                    ReactionKind.HELPFUL,
                    ReactionKind.DISAGREE,
                ]
            )
            dialogue.toggle_reaction(root, voter, kind)


def seed_consultations(officer: User, people: list[User], rng: random.Random) -> list[Consultation]:
    """Create the demo consultations in their states, with everything that happened in them."""
    consultations.ensure_default_areas()
    areas = {a.name: a for a in consultations.list_areas()}
    now = utcnow()
    made = []
    for plan in CONSULTATIONS:
        opened = now - timedelta(days=plan.days_ago)
        details = consultations.ConsultationDetails(
            title=plan.title,
            summary=plan.summary,
            body=plan.body,
            process_area_id=areas[plan.process_area].id,
            service_area_id=areas[plan.service_area].id,
            audience=plan.audience,
            opens_at=opened,
            closes_at=opened + timedelta(days=plan.length_days),
            uses_proposals=plan.uses_proposals,
            uses_voting=plan.uses_voting,
        )
        if plan.status in (Status.DRAFT, Status.SCHEDULED):
            consultation = consultations.create_consultation(officer, details)
            if plan.status is Status.SCHEDULED:
                consultations.schedule_consultation(consultation)
            made.append(consultation)
            continue
        # Open it now (the service only opens in the present), then set its real dates.
        details.opens_at = None
        details.closes_at = now + timedelta(days=1)
        consultation = consultations.create_consultation(officer, details)
        consultations.open_consultation(consultation)
        consultation.opens_at = consultation.opened_at = opened
        consultation.closes_at = opened + timedelta(days=plan.length_days)
        followers = rng.sample(people, k=min(len(people), rng.randint(4, 12)))
        for person in followers:
            if plan.audience is Audience.PUBLIC or person.role is Role.STAFF:
                consultations.follow(person, consultation)
        _dialogue(consultation, plan, opened, people, officer, rng)
        for n, (title, body) in enumerate(plan.announcements):
            announcement = consultations.post_announcement(consultation, officer, title, body)
            _backdate(Announcement, [announcement.id], opened + timedelta(days=2 + 3 * n))
        if plan.status is not Status.OPEN:
            consultations.close_consultation(consultation, now=consultation.closes_at)
        if plan.outcome:
            you_said, decision, reasons, next_steps = plan.outcome
            outcome = consultations.publish_outcome(
                consultation, officer, you_said=you_said, decision=decision,
                reasons=reasons, next_steps=next_steps,
            )  # fmt: skip
            outcome.published_at = consultation.closes_at + timedelta(days=14)
        if plan.status is Status.ARCHIVED:
            consultations.archive_consultation(consultation)
        made.append(consultation)
    db.session.flush()
    return made


@contextmanager
def _residents_of_long_standing() -> Iterator[None]:
    """Seed under the council's standards, but with the demo residents treated as
    established posters: the new-account hold is for people who just signed up."""
    from townhall.moderation.service import STANDARDS_KEY

    standards = current_app.extensions[STANDARDS_KEY]
    current_app.extensions[STANDARDS_KEY] = replace(
        standards,
        clauses=tuple(
            clause
            for clause in standards.clauses
            if not any(check.name == "new_account" for check in clause.checks)
        ),
    )
    try:
        yield
    finally:
        current_app.extensions[STANDARDS_KEY] = standards


def seed_demo_council(officer: User, rng: random.Random | None = None) -> list[Consultation]:
    """Fill the database with the demo council: residents, consultations with their
    dialogue, proposals and votes, places and tasks, and engagement plans with KPIs."""
    from townhall.engagement.demo import seed_demo_engagement
    from townhall.places.demo import seed_demo_places
    from townhall.proposals.demo import seed_demo_proposals

    rng = rng or random.Random(2026)
    with _residents_of_long_standing():
        people = _residents(rng)
        made = seed_consultations(officer, people, rng)
        for consultation in made:
            if consultation.uses_proposals and consultation.status is Status.OPEN:
                seed_demo_proposals(consultation, [officer, *people], rng)
        seed_demo_places(officer, people, rng)
        seed_demo_engagement(officer, rng)
    return made
