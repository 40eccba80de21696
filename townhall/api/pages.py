"""HTML pages of the API: its documentation, and API tokens in account settings.

These are ordinary pages (session sign-in, CSRF-protected forms), not API endpoints.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from townhall.api import tokens
from townhall.api.core import PREFIX
from townhall.api.export import CSV_COLUMNS
from townhall.api.models import EVENTS, TOKEN_NAME_MAX
from townhall.api.problems import TITLES
from townhall.confirmation import Confirmation, confirmation_page, confirmed
from townhall.extensions import db
from townhall.form_handling import (
    accept,
    add_form_error,
    choose_from_list,
    keeps_input,
    refused_status,
)

bp = Blueprint("api_pages", __name__)


class TokenForm(FlaskForm):
    """Make a token: a name and its scopes."""

    name = StringField(
        "Name", validators=[DataRequired("Give the token a name."), Length(max=TOKEN_NAME_MAX)]
    )
    scopes = SelectMultipleField(
        "Scopes",
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validators=[DataRequired("Choose at least one scope.")],
        **choose_from_list("Choose scopes from the list."),
    )


class RevokeForm(FlaskForm):
    """Revoke a token (the button carries only the CSRF token)."""


@bp.route(f"{PREFIX}/openapi.json")
def openapi_json():
    """Serve the OpenAPI 3.1 document, generated from the code."""
    from townhall.api import openapi_document

    return jsonify(openapi_document(current_app))


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The document's operations, grouped by tag, for the docs page."""
    listed = []
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            listed.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "tag": (operation.get("tags") or ["other"])[0],
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [
                        p for p in operation.get("parameters", []) if p.get("in") == "query"
                    ],
                    "has_body": "requestBody" in operation,
                    "id": operation.get("operationId", f"{method}-{path}"),
                }
            )
    return listed


@bp.route(f"{PREFIX}/docs")
def docs():
    """Show the API's guide and every operation of its OpenAPI document."""
    from townhall.api import openapi_document

    document = openapi_document(current_app)
    return render_template(
        "api/docs.html",
        document=document,
        operations=_operations(document),
        tags=document.get("tags", []),
        problems=sorted(TITLES.items()),
        scopes=list(tokens.Scope),
        events=EVENTS,
        csv_columns=CSV_COLUMNS,
        prefix=PREFIX,
    )


def _token_form() -> TokenForm:
    form = TokenForm()
    form.scopes.choices = [(s.value, s.label) for s in tokens.offered_scopes(current_user)]
    return form


@bp.route("/account/api-tokens", methods=["GET", "POST"])
@login_required
@keeps_input
def token_list():
    """List your API tokens and make a new one; its secret is shown once."""
    form = _token_form()
    secret = None
    if accept(form):
        try:
            made = tokens.create_token(current_user, form.name.data, form.scopes.data)
        except tokens.TokenError as error:
            db.session.rollback()
            add_form_error(form, str(error))
        else:
            db.session.commit()
            secret = made.secret
            form = _token_form()
            form.name.data = ""
            form.scopes.data = []
    status = refused_status() if request.method == "POST" and secret is None else 200
    if secret is not None:
        status = 201
    return render_template(
        "api/tokens.html",
        form=form,
        tokens=tokens.tokens_of(current_user),
        secret=secret,
        revoke_form=RevokeForm(),
        prefix=PREFIX,
    ), status


@bp.route("/account/api-tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    """Revoke one of your tokens, once you confirm: it stops working at once."""
    form = RevokeForm()
    if not accept(form):
        flash("That form had expired. Try again.", "error")
        return redirect(url_for(".token_list"), 303)
    live = next(
        (t for t in tokens.tokens_of(current_user) if t.id == token_id and t.revoked_at is None),
        None,
    )
    if live is not None and not confirmed():
        return confirmation_page(
            Confirmation(
                heading=f"Revoke the token “{live.name}”?",
                consequence="Revoking it stops it working at once: any program using it "
                "is refused from its next request. This cannot be undone; you can make a "
                "new token, which the program would then need.",
                button="Revoke it",
                cancel_url=url_for(".token_list"),
            )
        )
    try:
        token = tokens.revoke_token(current_user, token_id)
    except tokens.TokenError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".token_list"), 303)
    db.session.commit()
    flash(f"The token “{token.name}” is revoked: it no longer works.", "success")
    return redirect(url_for(".token_list"), 303)
