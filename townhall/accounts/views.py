"""Pages for signing up, signing in and out, verifying email, resetting passwords,
one's own account, and the admin's list of people and their roles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

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
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import or_, select
from werkzeug.wrappers import Response

from townhall.accounts import lockout, service
from townhall.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmForm,
    DisplayNameForm,
    ForgotPasswordForm,
    ResetPasswordForm,
    RoleForm,
    SignInForm,
    SignUpForm,
)
from townhall.accounts.models import RoleChange, User
from townhall.accounts.permissions import (
    ROLE_PERMISSIONS,
    Permission,
    Role,
    permission_required,
)
from townhall.confirmation import Confirmation, confirmation_page, confirmed
from townhall.database import parse_id
from townhall.extensions import db
from townhall.form_handling import (
    accept,
    add_form_error,
    keeps_input,
    limit_form_posts,
    refused_status,
)
from townhall.links import on_site_path
from townhall.mail import send_mail

bp = Blueprint("accounts", __name__)
F = TypeVar("F", bound=Callable[..., Any])

USERS_PER_PAGE = 50


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


def _email_typed() -> str:
    """The email address the posted form would write to: a limit's key, so no one can
    make us send one address mail after mail, from however many addresses of theirs."""
    return "to:" + service.normalise_email(request.form.get("email", ""))[:320]


def _signed_in_account() -> str:
    """The signed-in person's account: the key of a limit on mail to their address."""
    return f"account:{current_user.get_id()}"


EMAILS_TO_ONE_ADDRESS = "Too many emails have been asked for this address."


def _limit_emails_to(key: Callable[[], str]) -> Callable[[F], F]:
    """Limit how much mail a form can make us send to one email address."""
    return limit_form_posts(
        lambda: current_app.config["RATELIMIT_EMAILS_TO_ONE_ADDRESS"],
        scope="emails-to-one-address",
        key=key,
        message=EMAILS_TO_ONE_ADDRESS,
        only_done=True,
    )


@bp.route("/sign-up", methods=["GET", "POST"])
@limit_form_posts(lambda: current_app.config["RATELIMIT_SIGN_UP"], scope="sign-up", only_done=True)
@_limit_emails_to(_email_typed)
@keeps_input
def sign_up():
    """Create an account and send the email confirmation link."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignUpForm()
    if accept(form):
        try:
            user = service.sign_up(form.email.data, form.display_name.data, form.password.data)
        except service.WeakPassword as error:
            form.password.errors.extend(error.problems)
        else:
            db.session.commit()
            if user is not None:
                _send_verification(user)
            else:
                # Tell the owner instead, so the page cannot reveal that they have an account.
                _send_account_exists(service.normalise_email(form.email.data))
            # The same page whether or not the email had an account.
            return render_template("accounts/sign_up_sent.html", email=form.email.data)
    status = refused_status() if request.method == "POST" else 200
    return render_template("accounts/sign_up.html", form=form), status


def _send_account_exists(email: str) -> None:
    send_mail(
        email,
        "You already have an account",
        "account_exists",
        sign_in_link=url_for("accounts.sign_in", _external=True),
        reset_link=url_for("accounts.forgot_password", _external=True),
    )


def _minutes(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def _wait_page(form: SignInForm, next_url: str | None, seconds: int):
    """The sign-in form again, saying when this account may be tried from here."""
    add_form_error(
        form,
        f"Too many failed attempts to sign in to this account. Try again in "
        f"{_minutes(seconds)}, or reset your password by email now.",
    )
    html = render_template(
        "accounts/sign_in.html", form=form, next_url=next_url, wait=_minutes(seconds)
    )
    return html, 429, {"Retry-After": str(seconds)}


def _remember_device(response: Response, user: User) -> Response:
    """Mark this browser as a known device of `user`'s account (lockout.py says why)."""
    response.set_cookie(
        lockout.DEVICE_COOKIE,
        lockout.issue_device_token(user.id),
        max_age=lockout.device_cookie_seconds(),
        path=lockout.DEVICE_COOKIE_PATH,
        secure=current_app.config["TOWNHALL_HTTPS"],
        httponly=True,
        # Only our own sign-in form posts to where it is sent.
        samesite="Strict",
    )
    return response


@bp.route("/sign-in", methods=["GET", "POST"])
@limit_form_posts(lambda: current_app.config["RATELIMIT_SIGN_IN"], scope="sign-in")
@keeps_input
def sign_in():
    """Sign in with email and password."""
    next_url = on_site_path(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("home.index"))
    form = SignInForm()
    if accept(form):
        address = get_remote_address()
        device = lockout.known_device(request.cookies.get(lockout.DEVICE_COOKIE), form.email.data)
        wait = lockout.seconds_to_wait(form.email.data, address, device)
        if wait:
            # Not even the right password is tried while this account waits.
            return _wait_page(form, next_url, wait)
        try:
            user = service.authenticate(form.email.data, form.password.data)
        except service.InvalidCredentials as error:
            db.session.rollback()
            wait = lockout.record_failure(form.email.data, address, device)
            add_form_error(form, str(error))
            if wait:
                return _wait_page(form, next_url, wait)
        except service.AccountError as error:
            db.session.rollback()
            add_form_error(form, str(error))
        else:
            db.session.commit()
            lockout.clear_failures(form.email.data, address, device)
            _start_session(user, remember=form.remember.data)
            flash(f"Signed in as {user.display_name}.", "success")
            return _remember_device(redirect(next_url or url_for("home.index")), user)
    status = refused_status() if request.method == "POST" else 200
    return render_template("accounts/sign_in.html", form=form, next_url=next_url), status


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    """Sign out here and everywhere else, and forget the session and remember-me cookie."""
    if current_user.is_authenticated:
        # Copies of this session's cookies (or of another device's) stop working.
        service.end_sessions(current_user)
        db.session.commit()
    # Clear first: logout_user leaves the mark that deletes the remember-me cookie.
    session.clear()
    logout_user()
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
    if current_user.is_authenticated:
        flash(f"Thank you: {user.email} is confirmed.", "success")
        return redirect(url_for("accounts.account"))
    flash(f"Thank you: {user.email} is confirmed. Sign in to take part.", "success")
    return redirect(url_for("accounts.sign_in"))


@bp.route("/verify/resend", methods=["POST"])
@login_required
@_limit_emails_to(_signed_in_account)
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
@_limit_emails_to(_email_typed)
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
        elif service.find_user_by_email(form.email.data) is None:
            # Mail goes out either way, so the time taken does not tell either.
            send_mail(
                service.normalise_email(form.email.data),
                "Resetting a password",
                "reset_no_account",
                sign_up_link=url_for("accounts.sign_up", _external=True),
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
            lockout.clear_failures(user.email, get_remote_address())
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


def _keep_this_session(user: User) -> None:
    """Carry this browser over after `user`'s sessions were ended: the others stay ended."""
    remembered = request.cookies.get(
        current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    )
    _start_session(user, remember=remembered is not None)


def _settings_page(template: str, form: Any):
    status = refused_status() if request.method == "POST" else 200
    return render_template(f"accounts/{template}.html", form=form), status


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limit_form_posts(
    lambda: current_app.config["RATELIMIT_SIGN_IN"],
    scope="change-password",
    key=_signed_in_account,
    message="Too many tries at your current password.",
)
@keeps_input
def change_password():
    """Choose a new password, giving the current one; other devices are signed out."""
    form = ChangePasswordForm()
    if accept(form):
        try:
            service.change_password(current_user, form.current_password.data, form.password.data)
        except service.WrongPassword as error:
            form.current_password.errors.append(str(error))
        except service.WeakPassword as error:
            form.password.errors.extend(error.problems)
        else:
            user = current_user._get_current_object()
            db.session.commit()
            _keep_this_session(user)
            flash(
                "Your password has been changed. You are still signed in here; "
                "every other device has been signed out.",
                "success",
            )
            return redirect(url_for("accounts.account"), 303)
    return _settings_page("change_password", form)


@bp.route("/account/display-name", methods=["GET", "POST"])
@login_required
@keeps_input
def change_display_name():
    """Choose a new display name, held to the channel standards as at sign-up."""
    form = DisplayNameForm()
    if request.method == "GET":
        form.display_name.data = current_user.display_name
    if accept(form):
        asked = " ".join(form.display_name.data.split())
        try:
            service.change_display_name(current_user, asked)
        except service.AccountError as error:
            db.session.rollback()
            form.display_name.errors.append(str(error))
        else:
            db.session.commit()
            if current_user.display_name == asked:
                flash(f"Your display name is now “{asked}”.", "success")
            else:
                flash(
                    f"Your new display name “{asked}” waits for a moderator to check it "
                    "against the channel standards. Until then you are shown as "
                    f"“{current_user.display_name}”.",
                    "info",
                )
            return redirect(url_for("accounts.account"), 303)
    return _settings_page("change_display_name", form)


@bp.route("/account/email-address", methods=["GET", "POST"])
@login_required
@limit_form_posts(
    lambda: current_app.config["RATELIMIT_SIGN_IN"],
    scope="change-email",
    key=_signed_in_account,
    message="Too many tries at your current password.",
)
@_limit_emails_to(_signed_in_account)
@_limit_emails_to(_email_typed)
@keeps_input
def change_email():
    """Ask to move the account to a new address: it changes once the link sent there is opened."""
    form = ChangeEmailForm()
    if accept(form):
        user = current_user._get_current_object()
        try:
            token = service.request_email_change(user, form.current_password.data, form.email.data)
        except service.WrongPassword as error:
            form.current_password.errors.append(str(error))
        except service.AccountError as error:
            form.email.errors.append(str(error))
        else:
            new_email = service.normalise_email(form.email.data)
            _send_email_change_mail(user, new_email, token)
            # The same page whether or not another account has the address.
            return render_template("accounts/email_change_sent.html", email=new_email)
    return _settings_page("change_email", form)


def _send_email_change_mail(user: User, new_email: str, token: str | None) -> None:
    """Mail the new address its link (or, when it has an account, its owner) and the old one."""
    if token is not None:
        send_mail(
            new_email,
            "Confirm your new email address",
            "email_change_confirm",
            user=user,
            link=url_for("accounts.confirm_email_change", token=token, _external=True),
        )
    else:
        send_mail(
            new_email,
            "Someone tried to use this address",
            "email_change_taken",
            sign_in_link=url_for("accounts.sign_in", _external=True),
        )
    # Told either way, so this mail cannot tell whether the new address has an account.
    send_mail(
        user.email,
        "Your email address is being changed",
        "email_change_notice",
        user=user,
        new_email=new_email,
        link=url_for(
            "accounts.not_me",
            token=service.make_not_me_token(user, new_email),
            _external=True,
        ),
    )


def _change_link_problem(error: service.AccountError):
    return render_template("accounts/link_problem.html", message=str(error), change=True), 400


@bp.route("/account/email-address/confirm/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str):
    """Move the account to its new address from the link sent there (the button confirms)."""
    try:
        user, new_email = service.check_email_change(token)
    except service.AccountError as error:
        return _change_link_problem(error)
    form = ConfirmForm()
    if accept(form):
        signed_in_here = current_user.is_authenticated and current_user.id == user.id
        try:
            service.confirm_email_change(token)
        except service.AccountError as error:
            db.session.rollback()
            return _change_link_problem(error)
        db.session.commit()
        if signed_in_here:
            _keep_this_session(user)
            flash(
                f"Your email address is now {new_email}. You are still signed in here; "
                "every other device has been signed out.",
                "success",
            )
            return redirect(url_for("accounts.account"), 303)
        flash(f"Your email address is now {new_email}. Sign in with it from now on.", "success")
        # Someone else signed in on this browser stays signed in; only they see the page.
        where = "home.index" if current_user.is_authenticated else "accounts.sign_in"
        return redirect(url_for(where), 303)
    status = refused_status() if request.method == "POST" else 200
    return render_template(
        "accounts/confirm_email_change.html", form=form, user=user, new_email=new_email
    ), status


@bp.route("/account/email-address/not-me/<token>", methods=["GET", "POST"])
@limit_form_posts(lambda: current_app.config["RATELIMIT_PASSWORD_RESET"], scope="reset")
def not_me(token: str):
    """Stop a change of email address the owner did not ask for (the button confirms)."""
    try:
        user, change = service.check_not_me(token)
    except service.AccountError as error:
        return _change_link_problem(error)
    form = ConfirmForm()
    if accept(form):
        user = service.refuse_email_change(token)
        db.session.commit()
        issued = service.request_password_reset(user.email)
        db.session.commit()
        if issued is not None:
            _user, reset_token = issued
            send_mail(
                user.email,
                "Reset your password",
                "reset_password",
                user=user,
                link=url_for("accounts.reset_password", token=reset_token, _external=True),
                minutes=int(current_app.config["PASSWORD_RESET_MAX_AGE"].total_seconds() // 60),
            )
        return render_template("accounts/not_me_done.html", email=user.email)
    status = refused_status() if request.method == "POST" else 200
    return render_template(
        "accounts/not_me.html", form=form, user=user, new_email=change.get("new", "")
    ), status


def _user_list_page(status: int = 200):
    query = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    statement = select(User).order_by(User.created_at.desc(), User.id.desc())
    if query:
        pattern = f"%{query.lower()}%"
        statement = statement.where(or_(User.email.like(pattern), User.display_name.ilike(pattern)))
    if role in {r.value for r in Role}:
        statement = statement.where(User.role == Role(role))
    # Our own reading of ?page=: Flask-SQLAlchemy's takes any size of number, and a
    # huge one overflows the query's OFFSET.
    number = parse_id(request.args.get("page"))
    page = db.paginate(
        statement,
        page=number or 1,
        per_page=USERS_PER_PAGE,
        max_per_page=USERS_PER_PAGE,
        error_out=False,
    )
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
    new_role = Role(form.role.data)
    refused = service.role_change_refusal(user, new_role, changed_by=current_user)
    if refused is None and not confirmed():
        return confirmation_page(_confirm_role_change(user, new_role))
    try:
        service.change_role(user, new_role, changed_by=current_user)
    except service.AccountError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _user_list_page(409)
    db.session.commit()
    flash(f"{user.display_name} is now {user.role.label.lower()}.", "success")
    return redirect(url_for("accounts.list_users")), 303


#: What each permission lets a person do, in the words of the role-change question.
PERMISSION_WORDS = {
    Permission.PARTICIPATE: "comment, propose, support and vote",
    Permission.TAKE_PART_AS_STAFF: "read and take part in staff-only consultations",
    Permission.MODERATE: "work the moderation queue, sanction people and decide appeals",
    Permission.RUN_CONSULTATIONS: (
        "create, open and close consultations, and post announcements and official responses"
    ),
    Permission.PUBLISH_OUTCOMES: "publish outcomes",
    Permission.MANAGE_USERS: "see everyone's email address and change people's roles",
    Permission.MANAGE_STANDARDS: "change the channel standards and the lists of areas",
}


def _permission_list(permissions: frozenset[Permission]) -> str:
    words = [PERMISSION_WORDS[p] for p in Permission if p in permissions]
    return "; ".join(words)


def _confirm_role_change(user: User, new_role: Role) -> Confirmation:
    """The question before a role change: who, from what to what, and what it changes."""
    old, new = ROLE_PERMISSIONS[user.role], ROLE_PERMISSIONS[new_role]
    said = [
        f"{user.display_name} ({user.email}) will be {new_role.label.lower()} "
        f"instead of {user.role.label.lower()}."
    ]
    if new - old:
        said.append(f"They will be able to {_permission_list(new - old)}.")
    if old - new:
        said.append(
            f"They will no longer be able to {_permission_list(old - new)}, and pages they "
            "have open lose what they may no longer read at once."
        )
    said.append("The change is recorded with your name; you can change the role again later.")
    return Confirmation(
        heading=f"Make {user.display_name} {new_role.label.lower()}?",
        consequence=" ".join(said),
        button=f"Make them {new_role.label.lower()}",
        cancel_url=url_for("accounts.list_users"),
        fields={"role": new_role.value},
    )
