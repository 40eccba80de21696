"""The one way Townhall sends email.

By default a message is written to the outbox folder (instance/outbox/) as an .eml
file and logged, so a council can run the app without a mail server and tests can
read what was sent. With MAIL_SERVER set it goes out over SMTP.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template

log = logging.getLogger(__name__)


def compose(to: str, subject: str, template: str, **context: object) -> EmailMessage:
    """Build a plain-text message from `templates/mail/<template>.txt`."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="townhall")
    body = render_template(f"mail/{template}.txt", **context)
    message.set_content(body)
    return message


def send(message: EmailMessage) -> None:
    """Deliver a message through SMTP when configured, else into the outbox folder."""
    config = current_app.config
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
        log.info("mail sent to %s: %s", message["To"], message["Subject"])
        return
    outbox = Path(config["MAIL_OUTBOX"])
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{uuid.uuid4().hex}.eml"
    path.write_bytes(bytes(message))
    log.info("mail to %s written to %s: %s", message["To"], path, message["Subject"])


def send_mail(to: str, subject: str, template: str, **context: object) -> None:
    """Compose and send a message in one call."""
    send(compose(to, subject, template, **context))
