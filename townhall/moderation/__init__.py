"""Moderation: channel standards, the rule engine, the queue, flags, sanctions and audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the dry run (`python -m townhall.moderation`) must not import Flask
    from flask import Flask


def init_app(app: Flask) -> None:
    """Load and check the standards (a bad file stops start-up), and register the pages.

    Also answers a post the rules refuse wherever it was made (the domains' forms
    show the text again with the clause), and keeps a suspended person to the pages
    that say why and let them appeal.
    """
    from townhall.moderation.standards import StandardsError, load_standards
    from townhall.moderation.views import bp
    from townhall.moderation.web import enforce_suspension, handle_refusal, template_globals

    path = app.config.get("TOWNHALL_STANDARDS")
    try:
        standards = load_standards(path) if path else _default_standards()
    except StandardsError as error:
        raise SystemExit(f"TOWNHALL_STANDARDS: {error}") from None
    from townhall.moderation.service import STANDARDS_KEY, ModerationError, longest_allowed

    app.extensions[STANDARDS_KEY] = standards
    app.register_blueprint(bp)
    from townhall.accounts.forms import NAME_LIMIT_KEY
    from townhall.moderation.names import KIND as NAME_KIND
    from townhall.moderation.names import register_display_names

    register_display_names()
    # The sign-up form states and checks the standards' limit on names (accounts,
    # below moderation, cannot ask the standards itself).
    app.extensions[NAME_LIMIT_KEY] = lambda: longest_allowed(NAME_KIND)
    app.register_error_handler(ModerationError, handle_refusal)
    app.before_request(enforce_suspension)
    from townhall.live import register_join_rule
    from townhall.moderation.web import may_follow_room

    register_join_rule(may_follow_room)
    # Globals, not a context processor: macros imported without context see them too.
    app.jinja_env.globals.update(template_globals())


def _default_standards():
    from townhall.moderation.standards import load_default_standards

    return load_default_standards()
