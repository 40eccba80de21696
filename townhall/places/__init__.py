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

    app.config.setdefault("PLACES_RETENTION_DAYS", 30)
    app.config.setdefault("PLACES_CHECK_IN_DISTANCE_M", 500)
    app.config.setdefault("PLACES_PUSH_ALLOW_LOOPBACK", app.debug or app.testing)
    app.register_blueprint(bp)
    register_section(Section(key="places", order=SECTION_ORDER, render=render_places_section))
    hooks.install()
    hooks.register_live(app)
    # `flask townhall places ...`: the townhall group is built by create_app after the
    # modules, so the places group is attached to it here (cli imports no module).
    from townhall.cli import townhall_cli

    townhall_cli.add_command(places_cli)
