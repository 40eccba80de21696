"""Flask extensions, created unbound here and bound to the app in `create_app`."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from townhall.database import Base


class FailFastSocketIO(SocketIO):
    """Flask-SocketIO whose Redis message queue gives up quickly when Redis is down.

    Flask-SocketIO builds its Redis client with redis-py's defaults: against a Redis
    host that is gone, publishing an event after a commit would hold the request for
    minutes. Here the queue's client gets the connection timeout and retries of every
    other Redis client of ours (`config.redis_client_options`); python-socketio logs a publish
    that fails and carries on, so the saved change is still answered as saved.
    """

    def init_app(self, app: Flask, **kwargs: Any) -> None:
        """Bind to `app`, with a fail-fast Redis queue when `message_queue` names Redis."""
        url = kwargs.get("message_queue")
        if url and str(url).startswith(("redis://", "rediss://")):
            import socketio

            from townhall.config import redis_client_options

            options = redis_client_options()
            # The queue's listener waits on its connection for as long as no event is
            # sent; a read timeout would break it off every second.
            del options["socket_timeout"]
            kwargs["client_manager"] = socketio.RedisManager(
                url,
                channel=kwargs.pop("channel", None) or "flask-socketio",
                redis_options=options,
            )
        elif "client_manager" not in kwargs:
            # The options are kept from one app to the next (tests build many in one
            # process): an app without a queue must not inherit the last one's.
            self.server_options.pop("client_manager", None)
        super().init_app(app, **kwargs)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
socketio = FailFastSocketIO()
