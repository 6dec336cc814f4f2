"""Signing in and out of the moderation pages."""

from __future__ import annotations

from flask import Response, flash, g, redirect, render_template, request, session, url_for

from ...store.accounts import Moderators
from ..services import services
from . import SESSION_USER, bp, safe_next


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """The sign-in form; a right name and password start a session."""
    target = request.values.get("next")
    if request.method == "GET":
        if g.moderator:
            return redirect(safe_next(target))
        return render_template("login.html", next=target, name="")
    name = request.form.get("name", "").strip()
    password = request.form.get("password", "")
    account = Moderators(services().store).authenticate(name, password) if name and password else None
    if account is None:
        flash("Wrong name or password, or the account is disabled.", "error")
        return render_template("login.html", next=target, name=name)
    # A fresh session: nothing from before signing in (its CSRF token included) carries over.
    session.clear()
    session.permanent = True
    session[SESSION_USER] = account
    return redirect(safe_next(target))


@bp.post("/logout")
def logout() -> Response:
    session.clear()
    flash("Signed out.", "info")
    return redirect(url_for(".login"))
