"""Places (stages 5 and 6): check in at public places and see what is on there for you,
staff tasks handed out at check-in, areas of interest with email, live and Web Push
alerts, and nearby mode."""

from __future__ import annotations

from flask import Flask

# After the votes (50): where a consultation is shown in person.
SECTION_ORDER = 60


def init_app(app: Flask) -> None:
    """Register the places pages, commands, the consultation-page section and alert hooks."""
    from townhall.consultations.sections import Section, register_section
    from townhall.places import hooks
    from townhall.places.cli import places_cli
    from townhall.places.views import bp, render_places_section

    _settings(app)
    app.register_blueprint(bp)
    register_section(Section(key="places", order=SECTION_ORDER, render=render_places_section))
    _offer_places_to_proposals()
    hooks.install()
    hooks.register_live(app)
    # `flask townhall places ...`: the townhall group is built by create_app after the
    # modules, so the places group is attached to it here (cli imports no module).
    from townhall.cli import townhall_cli

    townhall_cli.add_command(places_cli)


def _settings(app: Flask) -> None:
    """Places' settings from the environment (see the README), unless given to create_app."""
    import os

    from townhall.config import env_int

    defaults = {
        "PLACES_RETENTION_DAYS": env_int("TOWNHALL_PLACES_RETENTION_DAYS", 30),
        "PLACES_CHECK_IN_DISTANCE_M": env_int("TOWNHALL_PLACES_CHECK_IN_DISTANCE_M", 500),
        "PLACES_NEARBY_DISTANCE_M": env_int("TOWNHALL_PLACES_NEARBY_DISTANCE_M", 1000),
        "PLACES_PROPOSALS_DISTANCE_M": env_int("TOWNHALL_PLACES_PROPOSALS_DISTANCE_M", 1000),
        "PLACES_VAPID_SUBJECT": os.environ.get("TOWNHALL_VAPID_SUBJECT")
        or "mailto:" + app.config.get("MAIL_FROM", "").rpartition("<")[2].rstrip(">").strip(),
        "PLACES_VAPID_KEY_FILE": os.environ.get("TOWNHALL_VAPID_KEY_FILE") or None,
        # Plain-HTTP push endpoints on this machine: only for development and tests.
        "PLACES_PUSH_ALLOW_LOOPBACK": app.debug or app.testing,
    }
    for key, value in defaults.items():
        app.config.setdefault(key, value)


def _offer_places_to_proposals() -> None:
    """Let the proposal form pin a proposal to one of the places (proposals can't import us)."""
    from townhall.places import service
    from townhall.proposals.named_places import NamedPlace, PlaceSource, register_place_source

    def named(place) -> NamedPlace:
        return NamedPlace(place.id, place.name, place.latitude, place.longitude)

    def lookup(place_id: int) -> NamedPlace | None:
        place = service.get_place(place_id)
        return named(place) if place is not None else None

    register_place_source(
        PlaceSource(listing=lambda: [named(p) for p in service.list_places()], lookup=lookup)
    )
