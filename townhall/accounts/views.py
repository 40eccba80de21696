"""Pages for signing up, signing in and out, verifying email, resetting passwords,
one's own account, and the admin's list of people and their roles."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import or_, select

from townhall.accounts import service
from townhall.accounts.forms import (
    ConfirmForm,
    ForgotPasswordForm,
    ResetPasswordForm,
    RoleForm,
    SignInForm,
    SignUpForm,
)
from townhall.accounts.models import RoleChange, User
from townhall.accounts.permissions import Permission, Role, permission_required
from townhall.extensions import db
from townhall.form_handling import (
    accept,
    add_form_error,
    keeps_input,
    limit_form_posts,
    refused_status,
)
from townhall.mail import send_mail

bp = Blueprint("accounts", __name__)

USERS_PER_PAGE = 50


def _safe_next(target: str | None) -> str | None:
    """Return `target` when it is a path on this site, so sign-in cannot redirect away."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _send_verification(user: User) -> None:
    token = service.make_verification_token(user)
    send_mail(
        user.email,
        "Confirm your email address",
        "verify_email",
        user=user,
        link=url_for("accounts.verify_email", token=token, _external=True),
    )


def _start_session(user: User, remember: bool) -> None:
    # A fresh session at sign-in: nothing set before it carries over.
    session.clear()
    login_user(user, remember=remember)
    session.permanent = True


@bp.route("/sign-up", methods=["GET", "POST"])
@keeps_input
def sign_up():
    """Create an account and send the email confirmation link."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignUpForm()
    if accept(form):
        try:
            user = service.register_user(
                form.email.data, form.display_name.data, form.password.data
            )
        except service.WeakPassword as error:
            form.password.errors.extend(error.problems)
        except service.AccountError as error:
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            _send_verification(user)
            _start_session(user, remember=False)
            flash(
                f"Welcome, {user.display_name}. We have sent a confirmation link to {user.email}.",
                "success",
            )
            return redirect(url_for("accounts.account"))
    status = refused_status() if request.method == "POST" else 200
    return render_template("accounts/sign_up.html", form=form), status


@bp.route("/sign-in", methods=["GET", "POST"])
@limit_form_posts(lambda: current_app.config["RATELIMIT_SIGN_IN"], scope="sign-in")
@keeps_input
def sign_in():
    """Sign in with email and password."""
    next_url = _safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("home.index"))
    form = SignInForm()
    if accept(form):
        try:
            user = service.authenticate(form.email.data, form.password.data)
        except service.AccountError as error:
            db.session.rollback()
            add_form_error(form, str(error))
        else:
            db.session.commit()
            _start_session(user, remember=form.remember.data)
            flash(f"Signed in as {user.display_name}.", "success")
            return redirect(next_url or url_for("home.index"))
    status = refused_status() if request.method == "POST" else 200
    return render_template("accounts/sign_in.html", form=form, next_url=next_url), status


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    """Sign out and forget the session."""
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("home.index"))


@bp.route("/verify/<token>")
def verify_email(token: str):
    """Confirm an email address from the emailed link."""
    try:
        user = service.verify_email(token)
    except service.AccountError as error:
        return render_template("accounts/link_problem.html", message=str(error)), 400
    db.session.commit()
    flash(f"Thank you: {user.email} is confirmed.", "success")
    return redirect(
        url_for("accounts.account")
        if current_user.is_authenticated
        else url_for("accounts.sign_in")
    )


@bp.route("/verify/resend", methods=["POST"])
@login_required
def resend_verification():
    """Send the confirmation link again."""
    form = ConfirmForm()
    if not accept(form):
        abort(400)
    if current_user.is_verified:
        flash("Your email address is already confirmed.", "info")
    else:
        _send_verification(current_user)
        flash(f"We have sent a new confirmation link to {current_user.email}.", "success")
    return redirect(url_for("accounts.account"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limit_form_posts(lambda: current_app.config["RATELIMIT_PASSWORD_RESET"], scope="reset")
@keeps_input
def forgot_password():
    """Ask for a password-reset link by email."""
    form = ForgotPasswordForm()
    if accept(form):
        issued = service.request_password_reset(form.email.data)
        db.session.commit()
        if issued is not None:
            user, token = issued
            send_mail(
                user.email,
                "Reset your password",
                "reset_password",
                user=user,
                link=url_for("accounts.reset_password", token=token, _external=True),
                minutes=int(current_app.config["PASSWORD_RESET_MAX_AGE"].total_seconds() // 60),
            )
        # The same answer either way, so the form does not reveal who has an account.
        return render_template("accounts/reset_sent.html", email=form.email.data)
    status = refused_status() if request.method == "POST" else 200
    return render_template("accounts/forgot_password.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limit_form_posts(lambda: current_app.config["RATELIMIT_PASSWORD_RESET"], scope="reset")
@keeps_input
def reset_password(token: str):
    """Choose a new password through an emailed single-use link."""
    try:
        service.check_reset_token(token)
    except service.AccountError as error:
        return render_template("accounts/link_problem.html", message=str(error), reset=True), 400
    form = ResetPasswordForm()
    if accept(form):
        try:
            user = service.reset_password(token, form.password.data)
        except service.WeakPassword as error:
            form.password.errors.extend(error.problems)
        except service.AccountError as error:
            return render_template(
                "accounts/link_problem.html", message=str(error), reset=True
            ), 400
        else:
            db.session.commit()
            _start_session(user, remember=False)
            flash("Your password has been changed and you are signed in.", "success")
            return redirect(url_for("accounts.account"))
    status = refused_status() if request.method == "POST" else 200
    return render_template("accounts/reset_password.html", form=form), status


@bp.route("/account")
@login_required
def account():
    """Show the signed-in person's account."""
    return render_template("accounts/account.html")


def _user_list_page(status: int = 200):
    query = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    statement = select(User).order_by(User.created_at.desc(), User.id.desc())
    if query:
        pattern = f"%{query.lower()}%"
        statement = statement.where(or_(User.email.like(pattern), User.display_name.ilike(pattern)))
    if role in {r.value for r in Role}:
        statement = statement.where(User.role == Role(role))
    page = db.paginate(statement, per_page=USERS_PER_PAGE, error_out=False)
    recent_changes = db.session.scalars(
        select(RoleChange).order_by(RoleChange.changed_at.desc(), RoleChange.id.desc()).limit(20)
    ).all()
    return render_template(
        "accounts/admin_users.html",
        page=page,
        query=query,
        role=role,
        roles=list(Role),
        recent_changes=recent_changes,
    ), status


@bp.route("/admin/users")
@permission_required(Permission.MANAGE_USERS)
def list_users():
    """List people, with search, role filter and pagination."""
    return _user_list_page()


@bp.route("/admin/users/<int:user_id>/role", methods=["POST"])
@permission_required(Permission.MANAGE_USERS)
def change_role(user_id: int):
    """Change one person's role, recording who changed it."""
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if not accept(form):
        problems = [e for name, errs in form.errors.items() if name != "csrf_token" for e in errs]
        flash(problems[0] if problems else "Choose one of the listed roles.", "error")
        return _user_list_page(refused_status())
    try:
        service.change_role(user, Role(form.role.data), changed_by=current_user)
    except service.AccountError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _user_list_page(409)
    db.session.commit()
    flash(f"{user.display_name} is now {user.role.label.lower()}.", "success")
    return redirect(url_for("accounts.list_users")), 303
