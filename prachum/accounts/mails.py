"""Mail to a person about their account: the invitation and operators' acts (R14).

Official mail goes out in the site language (Thai), whatever the page language.
Each message is marked with ``X-Prachum-Message`` so the offline demo and tests can
tell the kinds apart. The callers send inside their transaction: when a message
cannot be sent, the act it reports is not kept either.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from prachum.accounts import otp
from prachum.accounts.models import User
from prachum.domain.thai_dates import format_thai_datetime

INVITATION = "invitation"
UNLOCKED = "account-unlocked"
SECOND_FACTOR_RESET = "second-factor-reset"


def _send(user: User, *, kind: str, subject: str, body: str) -> None:
    EmailMessage(
        subject=subject,
        body=body,
        to=[user.email],
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


def _operator_notice(user: User, *, kind: str, subject: str, what: str) -> None:
    body = gettext(
        "Dear %(name)s\n\n%(what)s\n\n"
        "If you did not ask for this, tell the system administrator at once.\n"
        "Log in at: %(site)s"
    ) % {"name": user.display_name, "what": what, "site": _site() + "/"}
    _send(user, kind=kind, subject=subject, body=body)


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
