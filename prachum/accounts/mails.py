"""Mail to a person about their account: the invitation and operators' acts (R14).

Official mail goes out in the site language (Thai), whatever the page language.
Each message is marked with ``X-Prachum-Message`` so the offline demo and tests can
tell the kinds apart. The callers send inside their transaction: when a message
cannot be sent, the act it reports is not kept either.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from prachum.accounts import otp
from prachum.accounts.models import User
from prachum.domain.thai_dates import format_thai_datetime

logger = logging.getLogger(__name__)

INVITATION = "invitation"
UNLOCKED = "account-unlocked"
SECOND_FACTOR_RESET = "second-factor-reset"
EMAIL_CHANGED = "email-changed"
PASSWORD_RESET = "password-reset"
DEACTIVATED = "account-deactivated"
REACTIVATED = "account-reactivated"
OPERATOR_CHANGED = "operator-changed"
ADDED_TO_COMMITTEE = "added-to-committee"


def _send(
    user: User, *, kind: str, subject: str, body: str, to: str | None = None
) -> None:
    EmailMessage(
        subject=subject,
        body=body,
        to=[to or user.email],
        headers={otp.LOGIN_CODE_HEADER: kind},
    ).send()


def _site() -> str:
    return settings.SITE_URL.rstrip("/")


def invitation_link(token: str) -> str:
    """The absolute address of the set-password page for ``token``."""
    return _site() + reverse("accounts:invitation", args=[token])


def send_invitation(
    user: User, *, actor: User, token: str, expires_at: datetime
) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = gettext("Invitation to Prachum: set your password")
        body = gettext(
            "Dear %(name)s\n\n"
            "%(actor)s has added you to Prachum, the electronic meeting system.\n"
            "Your username is: %(username)s\n\n"
            "To set your password, open this link:\n%(link)s\n\n"
            "The link can be used once and expires on %(expires)s.\n"
            "At your first login you will set up a second factor (an authenticator "
            "app or codes sent by e-mail).\n\n"
            "If you did not expect this message, ignore it and tell the system "
            "administrator."
        ) % {
            "name": user.display_name,
            "actor": actor.display_name,
            "username": user.username,
            "link": invitation_link(token),
            "expires": format_thai_datetime(expires_at),
        }
    _send(user, kind=INVITATION, subject=subject, body=body)


def _operator_notice(
    user: User, *, kind: str, subject: str, what: str, to: str | None = None
) -> None:
    body = gettext(
        "Dear %(name)s\n\n%(what)s\n\n"
        "If you did not ask for this, tell the system administrator at once.\n"
        "Log in at: %(site)s"
    ) % {"name": user.display_name, "what": what, "site": _site() + "/"}
    _send(user, kind=kind, subject=subject, body=body, to=to)


def send_unlocked(user: User, *, actor: User, at: datetime) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        _operator_notice(
            user,
            kind=UNLOCKED,
            subject=gettext("Prachum: your account was unlocked"),
            what=gettext(
                "Your account was unlocked by %(actor)s on %(at)s. "
                "You can log in again now."
            )
            % {"actor": actor.display_name, "at": format_thai_datetime(at)},
        )


def send_second_factor_reset(user: User, *, actor: User, at: datetime) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        _operator_notice(
            user,
            kind=SECOND_FACTOR_RESET,
            subject=gettext("Prachum: your second factor was reset"),
            what=gettext(
                "Your second factor was reset by %(actor)s on %(at)s. "
                "Your authenticator app and recovery codes no longer work. "
                "At your next login you will set up a second factor again."
            )
            % {"actor": actor.display_name, "at": format_thai_datetime(at)},
        )


def send_email_changed(user: User, *, actor: User, at: datetime, previous: str) -> None:
    """Tell both the previous and the new address (the previous one first)."""
    with translation.override(settings.LANGUAGE_CODE):
        what = gettext(
            "The e-mail address of your Prachum account was changed by %(actor)s "
            "on %(at)s from %(previous)s to %(new)s. Log-in codes, invitations and "
            "notices now go to the new address."
        ) % {
            "actor": actor.display_name,
            "at": format_thai_datetime(at),
            "previous": previous,
            "new": user.email,
        }
        subject = gettext("Prachum: the e-mail address of your account was changed")
        for to in (previous, user.email):
            _operator_notice(
                user, kind=EMAIL_CHANGED, subject=subject, what=what, to=to
            )


def send_password_reset(user: User, *, actor: User, at: datetime) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        _operator_notice(
            user,
            kind=PASSWORD_RESET,
            subject=gettext("Prachum: your password was reset"),
            what=gettext(
                "Your password was reset by %(actor)s on %(at)s. The old password "
                "no longer works. A separate message brings a one-time link to set "
                "a new password."
            )
            % {"actor": actor.display_name, "at": format_thai_datetime(at)},
        )


def send_active_changed(user: User, *, actor: User, at: datetime, active: bool) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        values = {"actor": actor.display_name, "at": format_thai_datetime(at)}
        if active:
            kind, subject = REACTIVATED, gettext("Prachum: your account was reopened")
            what = gettext(
                "Your account was reopened by %(actor)s on %(at)s. "
                "You can log in again."
            )
        else:
            kind, subject = DEACTIVATED, gettext("Prachum: your account was closed")
            what = gettext(
                "Your account was closed by %(actor)s on %(at)s. "
                "You can no longer log in."
            )
        _operator_notice(user, kind=kind, subject=subject, what=what % values)


def send_operator_changed(
    user: User, *, actor: User, at: datetime, operator: bool
) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        values = {"actor": actor.display_name, "at": format_thai_datetime(at)}
        if operator:
            what = gettext(
                "%(actor)s made you a system operator of Prachum on %(at)s. "
                "You can now look after other people's accounts."
            )
        else:
            what = gettext(
                "%(actor)s removed your system operator rights in Prachum on %(at)s."
            )
        _operator_notice(
            user,
            kind=OPERATOR_CHANGED,
            subject=gettext("Prachum: your operator rights were changed"),
            what=what % values,
        )


def tell_quietly_added_to_committee(
    user: User, *, actor: User, committee: str, role: Any
) -> None:
    """Tell an existing person a roster import put them on a committee; a mail
    failure is logged, the roster stays (it has committed)."""
    try:
        with translation.override(settings.LANGUAGE_CODE):
            _operator_notice(
                user,
                kind=ADDED_TO_COMMITTEE,
                subject=gettext("Prachum: you were added to a committee"),
                what=gettext(
                    "%(actor)s added you to %(committee)s as %(role)s. You will "
                    "receive its meeting notices at this address."
                )
                % {
                    "actor": actor.display_name,
                    "committee": committee,
                    "role": str(role),
                },
            )
    except Exception:
        logger.exception("Could not tell a person they were added to a committee")
