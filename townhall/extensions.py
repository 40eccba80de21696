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
from socketio.packet import BINARY_EVENT, EVENT, Packet

from townhall.database import Base
from townhall.json_input import JsonTooDeep, json_module

#: The event a socket event nested too deeply is read as; live refuses it in words.
TOO_DEEP_EVENT = "input_too_deep"


class JsonReadingPacket(Packet):
    """A Socket.IO packet whose JSON is read as every JSON body is (`json_input.loads`).

    Python's parser would recurse once per level of a deeply nested event and fail with
    RecursionError, logged by the server as a traceback with no answer to the client.
    An event nested too deeply is read instead as `TOO_DEEP_EVENT`, keeping its ack id,
    so the handler for that event answers the client why, as for any other refusal.
    Any other packet nested too deeply is read with no data (a connection's `auth`,
    which live does not read; an ack, which the server never asks clients for).
    """

    json = json_module

    def decode(self, encoded_packet: Any) -> int:
        """Decode a packet; an event nested too deeply becomes `TOO_DEEP_EVENT`."""
        try:
            return super().decode(encoded_packet)
        except JsonTooDeep:
            if self.packet_type in (EVENT, BINARY_EVENT):
                # Its binary attachments, if it named any, are refused as stray frames.
                self.packet_type, self.data = EVENT, [TOO_DEEP_EVENT]
            else:
                self.data = None
            return 0


class FailFastSocketIO(SocketIO):
    """Flask-SocketIO whose Redis message queue gives up quickly when Redis is down, and
    whose packets read JSON as every JSON body is read (`JsonReadingPacket`).

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
        kwargs.setdefault("serializer", JsonReadingPacket)
        super().init_app(app, **kwargs)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
socketio = FailFastSocketIO()
