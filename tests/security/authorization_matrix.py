"""The authorization matrix, as data: every route of the app, by role, with the outcome
each role should meet.

A row names a URL rule exactly as `app.url_map` spells it and one method; a rule may
have several rows (cases: a public consultation, a staff-only one, a draft; one's own
comment, another's). URLs are format strings over `w` (the world, see
authorization_world.py), `t` (the row's fresh target, made by `World.<make>`) and
`role`. Form data is formatted the same way; JSON bodies (`json`) are callables of
(w, t, role) where they need numbers.

Outcomes: ok (2xx, or a redirect that is not to sign-in), sign_in (a redirect to the
sign-in page, or 401), forbidden (403), hidden (404), or a status number. A POST (or
PUT, DELETE) that is refused must change nothing in the database; one that is ok must
change something, unless the row says `changes=False` (it must then change nothing
even when ok: withdrawing a support one never gave, unsubscribing another's device)
or `changes=None` (not checked, with the reason beside it). `keeps` names a world
check whose answer no role's request may change (another's ballot, another's
notifications), even when the request itself is ok.

The roles of the API are tokens: each person's token carries every scope their role
is offered (read and write; officer for officers and admins); anonymous sends none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

HELD = "where you live"  # words of the world's held posts (authorization_world.HELD_TEXT)
STAFF_TITLE = "Staff canteen hours"  # the world's staff-only consultation
DRAFT_TITLE = "Parking charges draft"  # the world's draft
ROLES = ("anonymous", "citizen", "staff", "moderator", "officer", "admin")
OK, SIGN_IN, FORBIDDEN, HIDDEN = "ok", "sign_in", "forbidden", "hidden"

# Who holds what, written out here rather than read from the app, so a change to the
# app's role table shows up as a failure.
SIGNED_IN = frozenset(ROLES[1:])
STAFF = frozenset({"staff", "moderator", "officer", "admin"})
MODERATORS = frozenset({"moderator", "admin"})
OFFICERS = frozenset({"officer", "admin"})
ADMINS = frozenset({"admin"})
FIGURE_READERS = MODERATORS | OFFICERS


def everyone(outcome: str = OK) -> dict[str, str]:
    """Every role meets `outcome`."""
    return {role: outcome for role in ROLES}


def only(
    allowed: frozenset[str],
    *,
    refused: str = FORBIDDEN,
    anonymous: str = SIGN_IN,
    ok: str = OK,
) -> dict[str, str]:
    """`allowed` roles meet `ok`; other signed-in roles `refused`; anonymous `anonymous`."""
    table = {role: (ok if role in allowed else refused) for role in ROLES[1:]}
    table["anonymous"] = ok if "anonymous" in allowed else anonymous
    return table


def signed_in(ok: str = OK, anonymous: str = SIGN_IN) -> dict[str, str]:
    """Every signed-in role meets `ok`; anonymous `anonymous`."""
    return only(SIGNED_IN, ok=ok, anonymous=anonymous)


def shows(allowed: frozenset[str]) -> dict[str, str]:
    """A page everyone may open, whose `secret` only `allowed` roles see on it."""
    return {role: OK if role in allowed else "ok_redacted" for role in ROLES}


def readers(allowed: frozenset[str]) -> dict[str, str]:
    """Something only `allowed` may see: everyone else, anonymous too, meets 404."""
    return only(allowed, refused=HIDDEN, anonymous=HIDDEN)


@dataclass(frozen=True)
class Row:
    """One rule, one method, one case: the outcome each role should meet."""

    method: str
    rule: str
    expect: dict[str, str]
    url: str | None = None  # defaults to the rule (rules without arguments)
    case: str = ""
    make: str | None = None  # World.<make>(role, actor) -> the target `t`
    data: dict[str, Any] | None = None  # form fields (formatted); csrf_token added
    json: Callable[[Any, Any, str], Any] | None = None
    changes: bool | None = True
    keeps: str | None = None  # World check whose answer must not change
    secret: str | None = None  # text an `ok` page shows; `ok_redacted` when it does not
    own_session: bool = False  # run as a throwaway account (signing out, deleting it)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        case = f" [{self.case}]" if self.case else ""
        return f"{self.method} {self.rule}{case}"


def R(method: str, rule: str, expect: dict[str, str], **kw: Any) -> Row:
    """A row (short, for the long table below)."""
    return Row(method, rule, expect, **kw)


C = "/consultations/<int:consultation_id>"
COMMENT = C + "/comments/<int:comment_id>"
PUB = "/consultations/{w.public.id}"
STAFF_C = "/consultations/{w.staff_only.id}"
DRAFT = "/consultations/{w.draft.id}"
NOT_DRAFT_READERS = readers(OFFICERS)
STAFF_READERS = readers(STAFF)
API = "/api/v1"
API_C = API + "/consultations/<int:consultation_id>"
ON_PUBLIC = {"consultation": "{w.public.id}"}

CONSULTATION_FORM = {
    "title": "Sunday opening for {role}",
    "summary": "Should the library open on Sundays?",
    "body": "We propose Sunday opening.",
    "process_area_id": "{w.areas[Community Consultations].id}",
    "service_area_id": "{w.areas[Libraries].id}",
    "audience": "public",
    "uses_dialogue": "y",
    "uses_outcome": "y",
    "response_days": "10",
}
OUTCOME_FORM = {
    "you_said": "Mostly yes.",
    "decision": "Open on Sundays.",
    "reasons": "Demand is high.",
    "next_steps": "Starts in May.",
}


def _vote_json(w: Any, t: Any, role: str) -> dict[str, Any]:
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    return {
        "title": f"Which day? ({role})",
        "method": "majority",
        "opens_at": now.isoformat(),
        "closes_at": (now + timedelta(days=3)).isoformat(),
    }


def _consultation_json(w: Any, t: Any, role: str) -> dict[str, Any]:
    return {
        "title": f"Sunday opening ({role})",
        "summary": "Should the library open on Sundays?",
        "body": "We propose Sunday opening.",
        "process_area_id": w.areas["Community Consultations"].id,
        "service_area_id": w.areas["Libraries"].id,
    }


def _ballot_json(w: Any, t: Any, role: str) -> dict[str, Any]:
    return {"choice": w.open_vote.options[1].id}


ROWS: list[Row] = [
    # --- home, static helpers, public pages ---------------------------------------
    R("GET", "/", everyone()),
    R("GET", "/live/<name>", everyone(), url="/live/socket.io.min.js"),
    R("GET", "/standards", everyone()),
    # Published only when the council names a contact; the tests' settings name none.
    R("GET", "/.well-known/security.txt", everyone(HIDDEN)),
    R("GET", "/privacy", everyone()),
    R("GET", "/sw.js", everyone()),
    R("GET", "/favicon.ico", everyone()),
    R("GET", "/places/push/key", everyone()),
    # --- accounts -------------------------------------------------------------------
    R("GET", "/sign-in", everyone()),
    R(
        "POST",
        "/sign-in",
        everyone(),
        own_session=True,
        changes=None,  # a session, no rows
        data={"email": "{w.other.email}", "password": "correct horse battery staple"},
    ),
    R("POST", "/sign-out", everyone(), own_session=True, changes=None),  # the session only
    R("GET", "/sign-up", everyone()),
    R(
        "POST",
        "/sign-up",
        everyone(),
        changes=None,  # signed-in people are sent home
        data={
            "email": "new-{role}@example.org",
            "display_name": "New {role}",
            "password": "a long new passphrase",
            "confirm": "a long new passphrase",
        },
    ),
    # Confirming works for anyone holding the link; signed out, it then asks to sign in.
    R(
        "GET",
        "/verify/<token>",
        {**everyone(), "anonymous": SIGN_IN},
        url="/verify/{t}",
        make="make_verify_token",
        changes=None,  # it confirms the address, whoever follows the link
    ),
    R("POST", "/verify/resend", signed_in(), changes=False),  # it sends mail, nothing stored
    R("GET", "/password/forgot", everyone()),
    R("POST", "/password/forgot", everyone(), data={"email": "{w.other.email}"}),
    R(
        "GET",
        "/password/reset/<token>",
        everyone(),
        url="/password/reset/{t}",
        make="make_reset_token",
    ),
    R(
        "POST",
        "/password/reset/<token>",
        everyone(),
        url="/password/reset/{t}",
        make="make_reset_token",
        own_session=True,  # it signs the client in as the owner
        data={"password": "another long passphrase", "confirm": "another long passphrase"},
    ),
    R("GET", "/account", signed_in()),
    # One's own settings; a new password ends the actor's other sessions, so each
    # change runs as a throwaway account.
    R("GET", "/account/password", signed_in()),
    R(
        "POST",
        "/account/password",
        signed_in(),
        own_session=True,
        data={
            "current_password": "correct horse battery staple",
            "password": "another long passphrase",
            "confirm": "another long passphrase",
        },
    ),
    R("GET", "/account/display-name", signed_in()),
    R(
        "POST",
        "/account/display-name",
        signed_in(),
        own_session=True,
        data={"display_name": "Renamed {role}"},
    ),
    R("GET", "/account/email-address", signed_in()),
    R(
        "POST",
        "/account/email-address",
        signed_in(),
        changes=False,  # it sends mail; the address changes only through the link
        data={
            "email": "moved-{role}@example.org",
            "current_password": "correct horse battery staple",
        },
    ),
    # The emailed links work for whoever holds them: the link is the proof.
    R(
        "GET",
        "/account/email-address/confirm/<token>",
        everyone(),
        url="/account/email-address/confirm/{t}",
        make="make_email_change_token",
    ),
    R(
        "POST",
        "/account/email-address/confirm/<token>",
        {**everyone(), "anonymous": SIGN_IN},
        url="/account/email-address/confirm/{t}",
        make="make_email_change_token",
        changes=None,  # it moves the address for whoever holds the link, then asks to sign in
    ),
    R(
        "GET",
        "/account/email-address/not-me/<token>",
        everyone(),
        url="/account/email-address/not-me/{t}",
        make="make_not_me_token",
    ),
    R(
        "POST",
        "/account/email-address/not-me/<token>",
        everyone(),
        url="/account/email-address/not-me/{t}",
        make="make_not_me_token",
    ),
    R("GET", "/admin/users", only(ADMINS)),
    R(
        "POST",
        "/admin/users/<int:user_id>/role",
        only(ADMINS),
        url="/admin/users/{t.id}/role",
        make="make_person",
        data={"role": "staff", "confirm": "yes"},
    ),
    R(
        "POST",
        "/admin/users/<int:user_id>/role",
        only(ADMINS),
        case="asks first",
        url="/admin/users/{t.id}/role",
        make="make_person",
        data={"role": "staff"},
        changes=False,  # the confirmation page; only its button changes the role
    ),
    R("GET", "/account/api-tokens", signed_in()),
    R("POST", "/account/api-tokens", signed_in(), data={"name": "laptop", "scopes": "read"}),
    R(
        "POST",
        "/account/api-tokens/<int:token_id>/revoke",
        signed_in(),
        case="own token",
        url="/account/api-tokens/{t.id}/revoke",
        make="make_own_token",
        data={"confirm": "yes"},
    ),
    R(
        "POST",
        "/account/api-tokens/<int:token_id>/revoke",
        signed_in(),
        case="own token, asks first",
        url="/account/api-tokens/{t.id}/revoke",
        make="make_own_token",
        changes=False,  # the confirmation page; only its button revokes
    ),
    R(
        "POST",
        "/account/api-tokens/<int:token_id>/revoke",
        signed_in(),
        case="another's token",
        url="/account/api-tokens/{t.id}/revoke",
        make="make_others_token",
        changes=False,
    ),
    R("GET", "/account/email", signed_in()),
    R("POST", "/account/email", signed_in(), data={"reply": "y"}),
    R("GET", "/account/home-location", signed_in()),
    R(
        "POST",
        "/account/home-location",
        signed_in(),
        data={"latitude": "51.5", "longitude": "-0.12"},
    ),
    R("GET", "/account/export.json", signed_in()),
    R(
        "POST",
        "/account/location-data/delete",
        signed_in(),
        make="make_own_area",
        keeps="others_location_data",
    ),
    R("GET", "/account/delete", signed_in()),
    R("POST", "/account/delete", signed_in(), own_session=True, data={"confirm": "delete"}),
    # --- consultations ------------------------------------------------------------------
    R("GET", "/consultations", everyone()),
    # Listings name only what the reader may read.
    R("GET", "/consultations", shows(STAFF), case="lists staff-only", secret=STAFF_TITLE),
    R("GET", "/consultations", shows(OFFICERS), case="lists drafts", secret=DRAFT_TITLE),
    # Held posts are read on the thread by moderators alone (marked held, linked to the case).
    R("GET", C, shows(MODERATORS), url=PUB, case="held posts", secret=HELD),
    R("GET", C, everyone(), url=PUB, case="public"),
    R("GET", C, STAFF_READERS, url=STAFF_C, case="staff-only"),
    R("GET", C, NOT_DRAFT_READERS, url=DRAFT, case="draft"),
    R("GET", "/consultations/new", only(OFFICERS)),
    R("POST", "/consultations/new", only(OFFICERS), data=CONSULTATION_FORM),
    R("GET", C + "/edit", only(OFFICERS), url=PUB + "/edit", case="public"),
    R("GET", C + "/edit", NOT_DRAFT_READERS, url=DRAFT + "/edit", case="draft"),
    R(
        "POST",
        C + "/edit",
        NOT_DRAFT_READERS,
        url="/consultations/{t.id}/edit",
        case="draft",
        make="make_draft",
        data=CONSULTATION_FORM,
    ),
    R(
        "POST",
        C + "/transition",
        only(OFFICERS),
        url="/consultations/{t.id}/transition",
        make="make_open_consultation",
        data={"action": "close", "confirm": "yes"},
    ),
    R(
        "POST",
        C + "/transition",
        only(OFFICERS),
        case="asks first",
        url="/consultations/{t.id}/transition",
        make="make_open_consultation",
        data={"action": "close"},
        changes=False,  # the confirmation page; only its button closes it
    ),
    R(
        "POST",
        C + "/announcements",
        only(OFFICERS),
        url=PUB + "/announcements",
        data={"announcement-title": "Extra session", "announcement-body": "On Tuesday."},
    ),
    R(
        "POST",
        C + "/follow",
        signed_in(),
        url=PUB + "/follow",
        case="public",
        data={"action": "follow"},
    ),
    R(
        "POST",
        C + "/follow",
        only(STAFF, refused=HIDDEN, anonymous=HIDDEN),
        url=STAFF_C + "/follow",
        case="staff-only",
        data={"action": "follow"},
    ),
    R("GET", C + "/outcome", only(OFFICERS), url="/consultations/{w.closed.id}/outcome"),
    R(
        "POST",
        C + "/outcome",
        only(OFFICERS),
        url="/consultations/{t.id}/outcome",
        make="make_closed",
        data=OUTCOME_FORM,
    ),
    R("GET", "/admin/areas", only(ADMINS)),
    R("POST", "/admin/areas", only(ADMINS), data={"kind": "process", "name": "Parks {role}"}),
    R(
        "POST",
        "/admin/areas/<int:area_id>",
        only(ADMINS),
        url="/admin/areas/{t.id}",
        make="make_area",
        data={"action": "rename", "name": "Records {role}"},
    ),
    # --- dialogue -------------------------------------------------------------------------
    R("GET", C + "/comments", everyone(), url=PUB + "/comments", case="public"),
    R("GET", C + "/comments", STAFF_READERS, url=STAFF_C + "/comments", case="staff-only"),
    R(
        "POST",
        C + "/comments",
        signed_in(),
        url=PUB + "/comments",
        case="public",
        data={"comment-body": "Sundays would suit me."},
    ),
    R(
        "POST",
        C + "/comments",
        only(STAFF, refused=HIDDEN, anonymous=HIDDEN),
        url=STAFF_C + "/comments",
        case="staff-only",
        data={"comment-body": "Sundays would suit me."},
    ),
    R(
        "POST",
        C + "/comments",
        only(OFFICERS, refused=HIDDEN, anonymous=HIDDEN, ok=FORBIDDEN),
        url=DRAFT + "/comments",
        case="draft",  # officers see it, but it is not open
        data={"comment-body": "Sundays would suit me."},
    ),
    R("GET", COMMENT, everyone(), url=PUB + "/comments/{w.others_comment.id}"),
    R(
        "GET",
        COMMENT,
        STAFF_READERS,
        url=STAFF_C + "/comments/{w.staff_comment.id}",
        case="staff-only",
    ),
    # A held post shows a notice in its place to everyone but moderators, who read its
    # words marked held with a link to its case.
    R(
        "GET",
        COMMENT,
        shows(MODERATORS),
        url=PUB + "/comments/{w.held_comment.id}",
        case="held post",
        secret=HELD,
    ),
    R("GET", COMMENT + "/reply", signed_in(), url=PUB + "/comments/{w.others_comment.id}/reply"),
    R(
        "GET",
        COMMENT + "/edit",
        signed_in(),
        url=PUB + "/comments/{t.id}/edit",
        case="own comment",
        make="make_own_comment",
    ),
    R(
        "GET",
        COMMENT + "/edit",
        signed_in(FORBIDDEN),
        case="another's comment",
        url=PUB + "/comments/{w.others_comment.id}/edit",
    ),
    R(
        "POST",
        COMMENT + "/edit",
        signed_in(),
        url=PUB + "/comments/{t.id}/edit",
        case="own comment",
        make="make_own_comment",
        data={"body": "Changed my mind: Saturdays."},
    ),
    R(
        "POST",
        COMMENT + "/edit",
        signed_in(FORBIDDEN),
        url=PUB + "/comments/{t.id}/edit",
        case="another's comment",
        make="make_others_comment",
        data={"body": "Changed my mind: Saturdays."},
    ),
    R(
        "GET",
        COMMENT + "/delete",
        signed_in(),
        url=PUB + "/comments/{t.id}/delete",
        case="own comment",
        make="make_own_comment",
    ),
    R(
        "GET",
        COMMENT + "/delete",
        only(MODERATORS | OFFICERS),
        case="another's comment",
        url=PUB + "/comments/{w.others_comment.id}/delete",
    ),
    R(
        "POST",
        COMMENT + "/delete",
        signed_in(),
        url=PUB + "/comments/{t.id}/delete",
        case="own comment",
        make="make_own_comment",
    ),
    R(
        "POST",
        COMMENT + "/delete",
        only(MODERATORS | OFFICERS),
        case="another's comment",
        url=PUB + "/comments/{t.id}/delete",
        make="make_others_comment",
    ),
    R("GET", COMMENT + "/history", everyone(), url=PUB + "/comments/{w.others_comment.id}/history"),
    R(
        "GET",
        COMMENT + "/history",
        everyone("ok_redacted"),
        case="held post",
        url=PUB + "/comments/{w.held_comment.id}/history",
        secret=HELD,
    ),
    R(
        "POST",
        COMMENT + "/official",
        only(OFFICERS),
        url=PUB + "/comments/{t.id}/official",
        make="make_officers_comment",
        data={"official": "1"},
    ),
    R(
        "POST",
        COMMENT + "/reactions",
        signed_in(),
        url=PUB + "/comments/{t.id}/reactions",
        case="another's comment",
        make="make_others_comment",
        data={"kind": "agree"},
    ),
    R(
        "POST",
        COMMENT + "/reactions",
        signed_in(FORBIDDEN),
        url=PUB + "/comments/{t.id}/reactions",
        case="own comment",
        make="make_own_comment",
        data={"kind": "agree"},
    ),
    R("GET", C + "/overdue-questions", only(OFFICERS), url=PUB + "/overdue-questions"),
    R("GET", "/officer/overdue-questions", only(OFFICERS)),
    # --- proposals and votes -------------------------------------------------------
    R("GET", C + "/proposals/new", signed_in(), url=PUB + "/proposals/new"),
    R(
        "POST",
        C + "/proposals/new",
        signed_in(),
        url=PUB + "/proposals/new",
        data={"title": "Longer hours {role}", "body": "Open until eight on weekdays."},
    ),
    R(
        "POST",
        C + "/proposals/new",
        only(STAFF, refused=HIDDEN),
        url=STAFF_C + "/proposals/new",
        case="staff-only",
        data={"title": "Staff room {role}", "body": "A quiet room for staff."},
    ),
    R("GET", "/proposals/<int:proposal_id>", everyone(), url="/proposals/{w.proposal_.id}"),
    R(
        "GET",
        "/proposals/<int:proposal_id>",
        STAFF_READERS,
        case="staff-only",
        url="/proposals/{w.staff_proposal.id}",
    ),
    R(
        "GET",
        "/proposals/<int:proposal_id>",
        readers(OFFICERS),
        case="held",
        url="/proposals/{w.held_proposal.id}",
    ),
    R(
        "POST",
        "/proposals/<int:proposal_id>/support",
        signed_in(),
        case="support",
        url="/proposals/{t.id}/support",
        make="make_proposal",
        data={"action": "support"},
    ),
    R(
        "POST",
        "/proposals/<int:proposal_id>/support",
        signed_in(),
        case="withdraw own",
        url="/proposals/{t.id}/support",
        make="make_own_supported_proposal",
        data={"action": "withdraw"},
    ),
    R(
        "POST",
        "/proposals/<int:proposal_id>/support",
        signed_in(),
        case="withdraw another's",
        url="/proposals/{t.id}/support",
        make="make_supported_proposal",
        data={"action": "withdraw"},
        changes=False,
        keeps="others_supports",
    ),
    R(
        "POST",
        C + "/proposals/threshold",
        only(OFFICERS),
        url=PUB + "/proposals/threshold",
        data={"threshold": "1{n}"},
    ),
    R("GET", C + "/votes/new", only(OFFICERS), url=PUB + "/votes/new"),
    R(
        "POST",
        C + "/votes/new",
        only(OFFICERS),
        url=PUB + "/votes/new",
        data={
            "title": "Which day {role}?",
            "method": "majority",
            "seats": "1",
            "opens_at": "2030-01-01T10:00",
            "closes_at": "2030-02-01T10:00",
            "eligibility": "verified",
        },
    ),
    R("GET", "/votes/<int:vote_id>", everyone(), url="/votes/{w.open_vote.id}"),
    R(
        "GET",
        "/votes/<int:vote_id>",
        STAFF_READERS,
        case="staff-only",
        url="/votes/{w.staff_vote.id}",
    ),
    R(
        "POST",
        "/votes/<int:vote_id>/ballot",
        signed_in(),
        url="/votes/{w.open_vote.id}/ballot",
        data={"choice": "{w.open_vote.options[1].id}"},
        keeps="others_ballot",
    ),
    R(
        "POST",
        "/votes/<int:vote_id>/ballot",
        only(STAFF, refused=HIDDEN),
        case="staff-only",
        url="/votes/{w.staff_vote.id}/ballot",
        data={"choice": "{w.staff_vote.options[1].id}"},
    ),
    R(
        "POST",
        "/votes/<int:vote_id>/close",
        only(OFFICERS),
        url="/votes/{t.id}/close",
        make="make_open_vote",
        data={"action": "close", "confirm": "yes"},
    ),
    R(
        "POST",
        "/votes/<int:vote_id>/close",
        only(OFFICERS),
        case="asks first",
        url="/votes/{t.id}/close",
        make="make_open_vote",
        data={"action": "close"},
        changes=False,  # the confirmation page; only its button closes the vote
    ),
    R("GET", "/votes/<int:vote_id>/receipt", everyone(), url="/votes/{w.open_vote.id}/receipt"),
    R(
        "POST",
        "/votes/<int:vote_id>/receipt",
        everyone(),
        case="another's receipt",
        url="/votes/{w.open_vote.id}/receipt",
        data={"code": "{w.others_receipt}"},
        changes=False,
        keeps="others_ballot",
    ),
    R("GET", "/votes/<int:vote_id>/results", everyone(), url="/votes/{w.closed_vote.id}/results"),
    R(
        "GET",
        "/votes/<int:vote_id>/results",
        everyone("409"),
        case="still open",
        url="/votes/{w.open_vote.id}/results",
    ),
    R("GET", C + "/open-data.json", everyone(), url=PUB + "/open-data.json"),
    R(
        "GET",
        C + "/open-data.json",
        STAFF_READERS,
        url=STAFF_C + "/open-data.json",
        case="staff-only",
    ),
    R("GET", C + "/open-data/<table>.csv", everyone(), url=PUB + "/open-data/proposals.csv"),
    R(
        "GET",
        C + "/open-data/<table>.csv",
        NOT_DRAFT_READERS,
        case="draft",
        url=DRAFT + "/open-data/proposals.csv",
    ),
    # --- places, check-ins, tasks, areas, push -------------------------------------
    R("GET", "/places", everyone()),
    R("GET", "/places/<int:place_id>", everyone(), url="/places/{w.place.id}"),
    R("GET", "/places/new", only(OFFICERS)),
    R(
        "POST",
        "/places/new",
        only(OFFICERS),
        data={
            "name": "Town Hall {role}",
            "kind": "{w.place.kind.value}",
            "address": "2 High Street",
            "latitude": "51.5",
            "longitude": "-0.12",
            "service_area_id": "0",
        },
    ),
    R("GET", "/places/<int:place_id>/edit", only(OFFICERS), url="/places/{w.place.id}/edit"),
    R(
        "POST",
        "/places/<int:place_id>/edit",
        only(OFFICERS),
        url="/places/{w.place.id}/edit",
        data={
            "name": "Central Library ({role})",
            "kind": "{w.place.kind.value}",
            "address": "1 High Street",
            "latitude": "51.5",
            "longitude": "-0.12",
            "service_area_id": "0",
        },
    ),
    R(
        "POST",
        "/places/<int:place_id>/consultations",
        only(OFFICERS),
        url="/places/{w.place.id}/consultations",
        make="make_open_consultation",
        data={"consultation_id": "{t.id}"},
    ),
    R("GET", "/places/<int:place_id>/qr.svg", everyone(), url="/places/{w.place.id}/qr.svg"),
    R("GET", "/places/<int:place_id>/poster", only(OFFICERS), url="/places/{w.place.id}/poster"),
    R("GET", "/c/<code>", everyone(), url="/c/{w.code}"),
    R("POST", "/c/<code>", signed_in(), url="/c/{w.code}"),
    R("GET", "/tasks", only(STAFF)),
    R(
        "POST",
        "/tasks",
        only(OFFICERS),
        data={
            "place_id": "{w.place.id}",
            "title": "Restock leaflets",
            "assignee_id": "0",
            "due_at": "2030-01-01T10:00",
        },
    ),
    R(
        "POST",
        "/tasks/<int:task_id>/<any(accept, complete, hand_back):what>",
        only(STAFF),
        case="accept own",
        url="/tasks/{t.id}/accept",
        make="make_own_task",
    ),
    R(
        "POST",
        "/tasks/<int:task_id>/<any(accept, complete, hand_back):what>",
        signed_in(FORBIDDEN),
        case="accept another's",
        url="/tasks/{t.id}/accept",
        make="make_others_task",
    ),
    R(
        "POST",
        "/tasks/<int:task_id>/<any(accept, complete, hand_back):what>",
        signed_in(FORBIDDEN),
        case="complete another's",
        url="/tasks/{t.id}/complete",
        make="make_others_accepted_task",
        data={"note": "Done."},
    ),
    R(
        "POST",
        "/tasks/<int:task_id>/<any(accept, complete, hand_back):what>",
        only(STAFF),
        case="hand back own",
        url="/tasks/{t.id}/hand_back",
        make="make_own_accepted_task",
        data={"note": "No ladder here."},
    ),
    R(
        "POST",
        "/tasks/<int:task_id>/<any(accept, complete, hand_back):what>",
        signed_in(FORBIDDEN),
        case="hand back another's",
        url="/tasks/{t.id}/hand_back",
        make="make_others_accepted_task",
        data={"note": "No ladder here."},
    ),
    R("GET", "/places/areas", signed_in()),
    R(
        "POST",
        "/places/areas",
        signed_in(),
        data={
            "form": "area",
            "a-label": "Home",
            "a-latitude": "51.5",
            "a-longitude": "-0.12",
            "a-radius_m": "500",
        },
    ),
    R(
        "POST",
        "/places/areas/<int:area_id>/delete",
        signed_in(),
        case="own area",
        url="/places/areas/{t.id}/delete",
        make="make_own_area",
    ),
    R(
        "POST",
        "/places/areas/<int:area_id>/delete",
        signed_in(HIDDEN),
        case="another's area",
        url="/places/areas/{t.id}/delete",
        make="make_others_area",
    ),
    R(
        "POST",
        "/places/push/subscribe",
        signed_in(),
        json=lambda w, t, role: {"subscription": _push(role), "device": "phone"},
    ),
    R(
        "POST",
        "/places/push/unsubscribe",
        signed_in(),
        case="own device",
        make="make_own_push",
        json=lambda w, t, role: {"endpoint": t.endpoint},
    ),
    R(
        "POST",
        "/places/push/unsubscribe",
        signed_in(),
        case="another's device",
        make="make_others_push",
        json=lambda w, t, role: {"endpoint": t.endpoint},
        changes=False,
    ),
    R(
        "POST",
        "/places/nearby",
        signed_in(),
        changes=None,  # counts the minute's request
        json=lambda w, t, role: {"latitude": 51.5, "longitude": -0.12},
    ),
    # --- notifications ------------------------------------------------------------------
    R("GET", "/notifications", signed_in()),
    R(
        "GET",
        "/notifications/<int:notification_id>",
        signed_in(),
        case="own",
        url="/notifications/{t.id}",
        make="make_own_notification",
    ),
    R(
        "GET",
        "/notifications/<int:notification_id>",
        signed_in(HIDDEN),
        case="another's",
        url="/notifications/{t.id}",
        make="make_others_notification",
        keeps="others_unread",
    ),
    R(
        "POST",
        "/notifications/read",
        signed_in(),
        make="make_own_notification",
        keeps="others_unread",
    ),
    # --- moderation -------------------------------------------------------------------------
    R("GET", "/moderation", only(MODERATORS)),
    R(
        "POST",
        "/moderation/bulk",
        only(MODERATORS),
        make="make_held_case",
        data={"cases": "{t.id}", "verdict": "approve"},
    ),
    R(
        "GET",
        "/moderation/cases/<int:case_id>",
        only(MODERATORS),
        url="/moderation/cases/{w.case.id}",
    ),
    R(
        "POST",
        "/moderation/cases/<int:case_id>",
        only(MODERATORS),
        url="/moderation/cases/{t.id}",
        make="make_held_case",
        data={"verdict": "approve"},
    ),
    R(
        "GET",
        "/moderation/flag/<kind>/<int:content_id>",
        signed_in(),
        url="/moderation/flag/comment/{w.others_comment.id}",
    ),
    R(
        "GET",
        "/moderation/flag/<kind>/<int:content_id>",
        only(STAFF, refused=HIDDEN),
        case="staff-only",
        url="/moderation/flag/comment/{w.staff_comment.id}",
    ),
    R(
        "GET",
        "/moderation/flag/<kind>/<int:content_id>",
        signed_in("ok_redacted"),
        case="held comment",
        url="/moderation/flag/comment/{w.held_comment.id}",
        secret=HELD,
    ),
    R(
        "GET",
        "/moderation/flag/<kind>/<int:content_id>",
        only(OFFICERS, refused=HIDDEN),
        case="held proposal",
        url="/moderation/flag/proposal/{w.held_proposal.id}",
    ),
    R(
        "POST",
        "/moderation/flag/<kind>/<int:content_id>",
        only(STAFF, refused=HIDDEN),
        case="staff-only",
        url="/moderation/flag/comment/{t.id}",
        make="make_staff_comment",
        data={"clause": "1.1", "note": "Rude {role}."},
    ),
    R(
        "POST",
        "/moderation/flag/<kind>/<int:content_id>",
        signed_in(),
        url="/moderation/flag/comment/{t.id}",
        make="make_others_comment",
        data={"clause": "1.1", "note": "Rude."},
    ),
    R("GET", "/moderation/mine", signed_in()),
    R(
        "POST",
        "/moderation/mine/cases/<int:case_id>/appeal",
        signed_in(),
        case="own case",
        url="/moderation/mine/cases/{t.id}/appeal",
        make="make_rejected_case",
        data={"reason": "It was a quote from a film."},
    ),
    R(
        "POST",
        "/moderation/mine/cases/<int:case_id>/appeal",
        signed_in(HIDDEN),
        case="another's case",
        url="/moderation/mine/cases/{t.id}/appeal",
        make="make_others_rejected_case",
        data={"reason": "It was a quote from a film."},
    ),
    R(
        "POST",
        "/moderation/mine/sanctions/<int:sanction_id>/appeal",
        signed_in(),
        case="own sanction",
        url="/moderation/mine/sanctions/{t.id}/appeal",
        make="make_sanction",
        data={"reason": "I was quoting someone."},
    ),
    R(
        "POST",
        "/moderation/mine/sanctions/<int:sanction_id>/appeal",
        signed_in(HIDDEN),
        case="another's sanction",
        url="/moderation/mine/sanctions/{t.id}/appeal",
        make="make_others_sanction",
        data={"reason": "I was quoting someone."},
    ),
    R(
        "GET",
        "/moderation/people/<int:user_id>/sanction",
        only(MODERATORS),
        url="/moderation/people/{w.other.id}/sanction",
    ),
    R(
        "POST",
        "/moderation/people/<int:user_id>/sanction",
        only(MODERATORS),
        url="/moderation/people/{t.id}/sanction",
        make="make_person",
        data={"kind": "warn", "clause": "1.1", "reason": "Language."},
    ),
    # Only an admin may sanction a moderator.
    R(
        "POST",
        "/moderation/people/<int:user_id>/sanction",
        only(ADMINS),
        case="a fellow moderator",
        url="/moderation/people/{t.id}/sanction",
        make="make_fellow_moderator",
        data={"kind": "warn", "clause": "1.1", "reason": "Language."},
    ),
    R(
        "GET",
        "/moderation/appeals/<int:appeal_id>",
        only(MODERATORS),
        url="/moderation/appeals/{w.appeal.id}",
    ),
    R(
        "POST",
        "/moderation/appeals/<int:appeal_id>",
        only(MODERATORS),
        url="/moderation/appeals/{t.id}",
        make="make_appeal",
        data={"outcome": "uphold", "answer": "The decision stands."},
    ),
    # An appeal goes to a different moderator from the one who decided.
    R(
        "POST",
        "/moderation/appeals/<int:appeal_id>",
        only(frozenset()),
        case="against one's own decision",
        url="/moderation/appeals/{t.id}",
        make="make_appeal_on_own_decision",
        data={"outcome": "uphold", "answer": "The decision stands."},
    ),
    R("GET", "/moderation/figures", only(FIGURE_READERS)),
    # --- engagement -------------------------------------------------------------------------
    R("GET", "/engagement/", only(OFFICERS)),
    R(
        "POST",
        "/engagement/",
        only(OFFICERS),
        data={"area_id": "{w.areas[Libraries].id}", "title": "Parks plan {role}"},
    ),
    R(
        "GET",
        "/engagement/plans/<int:plan_id>",
        only(OFFICERS),
        url="/engagement/plans/{w.plan.id}",
    ),
    R(
        "POST",
        "/engagement/plans/<int:plan_id>/objectives",
        only(OFFICERS),
        url="/engagement/plans/{t.id}/objectives",
        make="make_plan",
        data={"objective-text": "Reach families", "objective-expected_outcome": "More replies"},
    ),
    R(
        "POST",
        "/engagement/plans/<int:plan_id>/projects",
        only(OFFICERS),
        url="/engagement/plans/{t.id}/projects",
        make="make_plan",
        data={
            "project-title": "Library survey {role}",
            "project-benefit": "3",
            "project-cost": "2",
            "project-risk": "1",
        },
    ),
    R(
        "POST",
        "/engagement/plans/<int:plan_id>/roles",
        only(OFFICERS),
        url="/engagement/plans/{t.id}/roles",
        make="make_plan",
        data={"role-role": "citizen", "role-cost": "2", "role-benefit": "4", "role-risk": "1"},
    ),
    R(
        "POST",
        "/engagement/objectives/<int:objective_id>/channels",
        only(OFFICERS),
        url="/engagement/objectives/{t.id}/channels",
        make="make_objective",
        data={"c{t.id}-channel": "dialogue", "c{t.id}-reason": "People talk it through."},
    ),
    R(
        "POST",
        "/engagement/objectives/<int:objective_id>/kpis",
        only(OFFICERS),
        url="/engagement/objectives/{t.id}/kpis",
        make="make_objective",
        data={
            "k{t.id}-indicator": "comments",
            "k{t.id}-target": "10",
            "k{t.id}-period_start": "2030-01-01",
            "k{t.id}-period_end": "2030-02-01",
        },
    ),
    R("GET", "/engagement/dashboard", only(OFFICERS)),
    R("GET", "/engagement/dashboard.csv", only(OFFICERS)),
    R(
        "GET",
        "/engagement/areas/<int:area_id>/dashboard",
        only(OFFICERS),
        url="/engagement/areas/{w.areas[Libraries].id}/dashboard",
    ),
    R(
        "GET",
        "/engagement/areas/<int:area_id>/dashboard.csv",
        only(OFFICERS),
        url="/engagement/areas/{w.areas[Libraries].id}/dashboard.csv",
    ),
    R(
        "GET",
        "/engagement/consultations/<int:consultation_id>/dashboard",
        only(OFFICERS),
        url="/engagement/consultations/{w.public.id}/dashboard",
    ),
    R(
        "GET",
        "/engagement/consultations/<int:consultation_id>/dashboard.csv",
        only(OFFICERS),
        url="/engagement/consultations/{w.public.id}/dashboard.csv",
    ),
    R(
        "GET",
        "/engagement/consultations/<int:consultation_id>/report",
        only(OFFICERS),
        url="/engagement/consultations/{w.closed.id}/report",
    ),
    R(
        "GET",
        "/engagement/consultations/<int:consultation_id>/report.pdf",
        only(OFFICERS),
        url="/engagement/consultations/{w.closed.id}/report.pdf",
    ),
    R("GET", "/engagement/portfolio", only(OFFICERS)),
    R("GET", "/engagement/stages", only(OFFICERS)),
    R("GET", "/engagement/summary", everyone()),
    # --- the API: roles are tokens -------------------------------------------------------
    R("GET", API + "/docs", everyone()),
    R("GET", API + "/openapi.json", everyone()),
    R("GET", API + "/me", signed_in()),
    R("GET", API + "/areas", everyone()),
    R("GET", API + "/consultations", everyone()),
    R("GET", API + "/consultations", shows(STAFF), case="lists staff-only", secret=STAFF_TITLE),
    R("GET", API + "/consultations", shows(OFFICERS), case="lists drafts", secret=DRAFT_TITLE),
    R("GET", API_C, everyone(), url=API + PUB),
    R("GET", API_C, STAFF_READERS, url=API + STAFF_C, case="staff-only"),
    R("GET", API_C, NOT_DRAFT_READERS, url=API + DRAFT, case="draft"),
    R("POST", API + "/consultations", only(OFFICERS), json=_consultation_json),
    R(
        "POST",
        API_C + "/transitions",
        only(OFFICERS),
        url=API + "/consultations/{t.id}/transitions",
        make="make_open_consultation",
        json=lambda w, t, role: {"action": "close"},
    ),
    R("GET", API_C + "/announcements", everyone(), url=API + PUB + "/announcements"),
    R(
        "POST",
        API_C + "/announcements",
        only(OFFICERS),
        url=API + PUB + "/announcements",
        json=lambda w, t, role: {"title": "Extra session", "body": "On Tuesday."},
    ),
    R("GET", API_C + "/comments", everyone(), url=API + PUB + "/comments"),
    R(
        "GET",
        API_C + "/comments",
        STAFF_READERS,
        url=API + STAFF_C + "/comments",
        case="staff-only",
    ),
    R(
        "GET",
        API_C + "/comments",
        everyone("ok_redacted"),
        url=API + PUB + "/comments",
        case="held post",
        secret="where you live",
    ),
    R(
        "POST",
        API_C + "/comments",
        signed_in(),
        url=API + PUB + "/comments",
        json=lambda w, t, role: {"body": "Sundays would suit me."},
    ),
    R(
        "POST",
        API_C + "/comments",
        only(STAFF, refused=HIDDEN),
        url=API + STAFF_C + "/comments",
        case="staff-only",
        json=lambda w, t, role: {"body": "Sundays would suit me."},
    ),
    R(
        "POST",
        API_C + "/comments/<int:comment_id>/reactions",
        signed_in(),
        url=API + PUB + "/comments/{t.id}/reactions",
        make="make_others_comment",
        json=lambda w, t, role: {"kind": "agree"},
    ),
    R(
        "POST",
        API_C + "/comments/<int:comment_id>/flags",
        signed_in(),
        url=API + PUB + "/comments/{t.id}/flags",
        make="make_others_comment",
        json=lambda w, t, role: {"clause": "1.1", "note": "Rude."},
    ),
    R("GET", API_C + "/outcome", everyone(), url=API + "/consultations/{w.closed.id}/outcome"),
    R(
        "PUT",
        API_C + "/outcome",
        only(OFFICERS),
        url=API + "/consultations/{t.id}/outcome",
        make="make_closed",
        json=lambda w, t, role: OUTCOME_FORM,
    ),
    R("GET", API_C + "/proposals", everyone(), url=API + PUB + "/proposals"),
    R(
        "GET",
        API_C + "/proposals",
        shows(frozenset()),
        url=API + PUB + "/proposals",
        case="held proposal",
        secret=HELD,
    ),
    R(
        "GET",
        API_C + "/proposals/<int:proposal_id>",
        readers(OFFICERS),
        case="held proposal",
        url=API + PUB + "/proposals/{w.held_proposal.id}",
    ),
    R(
        "GET",
        API_C + "/proposals/<int:proposal_id>",
        everyone(),
        url=API + PUB + "/proposals/{w.proposal_.id}",
    ),
    R(
        "PUT",
        API_C + "/proposals/<int:proposal_id>/support",
        signed_in(),
        url=API + PUB + "/proposals/{t.id}/support",
        make="make_proposal",
    ),
    R(
        "DELETE",
        API_C + "/proposals/<int:proposal_id>/support",
        signed_in(),
        case="own",
        url=API + PUB + "/proposals/{t.id}/support",
        make="make_own_supported_proposal",
    ),
    R(
        "DELETE",
        API_C + "/proposals/<int:proposal_id>/support",
        signed_in(),
        case="another's",
        url=API + PUB + "/proposals/{t.id}/support",
        make="make_supported_proposal",
        changes=False,
        keeps="others_supports",
    ),
    R("GET", API_C + "/votes", everyone(), url=API + PUB + "/votes"),
    R("POST", API_C + "/votes", only(OFFICERS), url=API + PUB + "/votes", json=_vote_json),
    R("GET", API + "/votes/<int:vote_id>", everyone(), url=API + "/votes/{w.open_vote.id}"),
    R(
        "GET",
        API + "/votes/<int:vote_id>",
        STAFF_READERS,
        case="staff-only",
        url=API + "/votes/{w.staff_vote.id}",
    ),
    R(
        "PUT",
        API + "/votes/<int:vote_id>/ballot",
        signed_in(),
        url=API + "/votes/{w.open_vote.id}/ballot",
        json=_ballot_json,
        keeps="others_ballot",
    ),
    R(
        "POST",
        API + "/votes/<int:vote_id>/close",
        only(OFFICERS),
        url=API + "/votes/{t.id}/close",
        make="make_open_vote",
    ),
    R("GET", API + "/me/areas", signed_in()),
    R(
        "POST",
        API + "/me/areas",
        signed_in(),
        json=lambda w, t, role: {
            "label": "Home",
            "latitude": 51.5,
            "longitude": -0.12,
            "radius_m": 500,
        },
    ),
    R(
        "DELETE",
        API + "/me/areas/<int:area_id>",
        signed_in(),
        case="own area",
        url=API + "/me/areas/{t.id}",
        make="make_own_area",
    ),
    R(
        "DELETE",
        API + "/me/areas/<int:area_id>",
        signed_in(HIDDEN),
        case="another's area",
        url=API + "/me/areas/{t.id}",
        make="make_others_area",
    ),
    R("GET", API + "/moderation/figures", everyone()),
    R("GET", API + "/standards", everyone()),
    R("GET", API + "/places", everyone()),
    R("GET", API + "/open-data/all.json", everyone()),
    R(
        "GET",
        API + "/open-data/all.json",
        shows(frozenset()),
        case="no staff-only",
        secret=STAFF_TITLE,
    ),
    R("GET", API + "/open-data/all.json", shows(frozenset()), case="no drafts", secret=DRAFT_TITLE),
    R(
        "GET",
        API + "/open-data/<string:table>.csv",
        everyone(),
        url=API + "/open-data/consultations.csv",
    ),
    R("GET", API + "/webhooks", only(ADMINS)),
    R(
        "POST",
        API + "/webhooks",
        only(ADMINS),
        json=lambda w, t, role: {
            "url": "https://hooks.example.com/x",
            "events": ["consultation.opened"],
        },
    ),
    R(
        "DELETE",
        API + "/webhooks/<int:endpoint_id>",
        only(ADMINS),
        url=API + "/webhooks/{t.id}",
        make="make_webhook",
    ),
    R(
        "GET",
        API + "/webhooks/<int:endpoint_id>/deliveries",
        only(ADMINS),
        url=API + "/webhooks/{w.webhook.id}/deliveries",
    ),
    # Addresses under /api/v1 that name no operation: a problem, for every method.
    *(
        R(method, API + "/<path:rest>", everyone(HIDDEN), url=API + "/no/such/thing", changes=False)
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
    ),
]


def _push(role: str) -> dict[str, Any]:
    from tests.security.authorization_world import push_subscription

    return push_subscription(f"https://push.example.com/{role}-new")


# --- sockets --------------------------------------------------------------------------
# Joining a room: `joined`, or `refused` (refused and unknown rooms look the same, so a
# hidden consultation stays hidden). Socket actions: `ok`, or the refusal's error code.
JOINED, REFUSED = "joined", "refused"


@dataclass(frozen=True)
class RoomRow:
    """One kind of room, one case: who may join it."""

    kind: str
    room: str  # formatted with w (the world), actor (None for anonymous)
    expect: dict[str, str]
    case: str = ""


def joiners(allowed: frozenset[str]) -> dict[str, str]:
    """`allowed` roles join; everyone else is refused."""
    return {role: JOINED if role in allowed else REFUSED for role in ROLES}


ROOM_ROWS: list[RoomRow] = [
    # Anonymous has no room of their own: they try the neighbour's.
    RoomRow("user", "user:{own.id}", joiners(SIGNED_IN), case="own"),
    RoomRow("user", "user:{w.other.id}", joiners(frozenset()), case="another's"),
    RoomRow("moderators", "moderators", joiners(MODERATORS)),
    RoomRow("consultation", "consultation:{w.public.id}", joiners(frozenset(ROLES)), case="public"),
    RoomRow("consultation", "consultation:{w.staff_only.id}", joiners(STAFF), case="staff-only"),
    RoomRow("consultation", "consultation:{w.draft.id}", joiners(OFFICERS), case="draft"),
    RoomRow("staff_tasks", "staff_tasks", joiners(OFFICERS)),
]


@dataclass(frozen=True)
class ActionRow:
    """One socket action: what it is sent, and what each role gets back."""

    name: str
    data: dict[str, Any]
    expect: dict[str, str]


ACTION_ROWS: list[ActionRow] = [
    ActionRow(
        "nearby_position",
        {"latitude": 51.5, "longitude": -0.12},
        {**signed_in(), "anonymous": "sign_in_required"},
    ),
]
