"""Townhall: a council's virtual town hall."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the package imports nothing heavy, so `townhall.voting` stays light
    from flask import Flask

log = logging.getLogger(__name__)

# Domain modules, each with `init_app(app)`; order is the order of their page sections.
MODULES = (
    "townhall.live",  # first: it has no page section, and others publish through it
    "townhall.notifications",
    "townhall.moderation",  # before the domains: it loads the standards they post under
    "townhall.consultations",
    "townhall.dialogue",
    "townhall.proposals",
    "townhall.places",
    "townhall.engagement",
    "townhall.api",  # last: the API is the top floor and uses every module above
)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings from the environment, then `config` on top."""
    from flask import Flask

    from townhall.config import load_or_create_secret_key, settings_from_environment

    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    from townhall.json_input import DepthCheckingJSONProvider, TypedInputRequest

    # Every JSON body a page's view reads is depth-checked, and its text (and the query
    # string's) held to the typed-text policy.
    app.json = DepthCheckingJSONProvider(app)
    app.request_class = TypedInputRequest
    app.config.from_mapping(settings_from_environment(app.instance_path))
    if config:
        app.config.from_mapping(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_or_create_secret_key(app.instance_path)

    from townhall.database import IdConverter

    # Before any route is added: every `<int:...>` is then an id the database can hold.
    app.url_map.converters["int"] = IdConverter
    proxies = app.config.get("TOWNHALL_TRUSTED_PROXIES") or 0
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind nginx every request comes from 127.0.0.1: take the client's address
        # from the header the trusted proxies add, and from no one else.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies)  # type: ignore[method-assign]

    _init_extensions(app)
    _register_blueprints(app)

    from townhall.errors import register_error_handlers
    from townhall.security_headers import register_security_headers
    from townhall.templating import register_template_helpers

    register_error_handlers(app)
    register_security_headers(app)
    register_template_helpers(app)

    from townhall.cli import townhall_cli

    app.cli.add_command(townhall_cli)
    return app


def _init_extensions(app: Flask) -> None:
    from townhall.database import engine_options, render_migration_item, tune_sqlite
    from townhall.extensions import csrf, db, limiter, login_manager, migrate, socketio

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
    )
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            tune_sqlite(db.engine)
    migrate.init_app(
        app,
        db,
        directory=str(MIGRATIONS_DIR),
        render_as_batch=True,
        compare_type=True,
        render_item=render_migration_item,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    socketio.init_app(
        app,
        async_mode="threading",
        message_queue=app.config.get("SOCKETIO_MESSAGE_QUEUE"),
        # Processes share events only on the same channel; separate sites sharing
        # one Redis (or parallel test runs) each use their own.
        channel=app.config.get("SOCKETIO_CHANNEL") or "flask-socketio",
        # Same origin only: the origin check is the websocket's CSRF protection.
        cors_allowed_origins=None,
    )

    from townhall.accounts.models import User

    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        user_id, _, version = session_id.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or user.session_version != int(version) or not user.is_active:
            return None
        return user


def _register_blueprints(app: Flask) -> None:
    """Register every module's pages (and with them, its models and page sections)."""
    from townhall.accounts.views import bp as accounts_bp
    from townhall.home.security_txt import bp as security_txt_bp
    from townhall.home.views import bp as home_bp

    app.register_blueprint(home_bp)
    app.register_blueprint(security_txt_bp)
    app.register_blueprint(accounts_bp)
    for module in MODULES:
        importlib.import_module(module).init_app(app)
