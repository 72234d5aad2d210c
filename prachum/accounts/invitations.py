"""Invitations: a one-time link by e-mail to set a password (R14).

A new person (from a roster import) has no usable password. :func:`invite_person`
mails them a link; only a keyed hash of its token is stored. The link expires after
``ACCOUNT_INVITATION_DAYS``, works once, and a newer invitation revokes older ones.
:func:`accept_invitation` sets the password; the person then logs in and enrols a
second factor before reaching any page. Every step is in the person's evidence chain
``account:<user id>``; payloads never carry the token or the password.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext

from prachum.accounts import mails
from prachum.accounts.error_codes import AccountError
from prachum.accounts.events import AccountEvent
from prachum.accounts.evidence import chain_key, lock_user, record_event
from prachum.accounts.models import Invitation, User
from prachum.accounts.selectors import InvitationState, invitation_state
from prachum.core.actors import Actor
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.evidence.services import append_event

logger = logging.getLogger(__name__)

_HMAC_SALT = "prachum.accounts.invitation"
# The longest token accepted from a URL (ours are 43 characters).
_TOKEN_MAX = 100


def _hash(token: str, *, secret: str | None = None) -> str:
    return salted_hmac(_HMAC_SALT, token, secret=secret, algorithm="sha256").hexdigest()


def _candidate_hashes(token: str) -> list[str]:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [_hash(token, secret=key) for key in keys]


def find_invitation(*, token: str) -> Invitation | None:
    """The invitation whose link carries ``token``, whatever its state, or ``None``."""
    if not token or len(token) > _TOKEN_MAX:
        return None
    return (
        Invitation.objects.select_related("user")
        .filter(token_hash__in=_candidate_hashes(token))
        .first()
    )


def can_invite(*, actor: Actor, user: User) -> bool:
    """Operators invite anyone; others only a person who never had a password.

    The second case is the secretary whose roster import created the person: the
    link goes to the person's own address, so it gives the secretary nothing.
    """
    if not user.is_active:
        return False
    if actor.is_staff:
        return True
    return user.last_login is None and not user.has_usable_password()


def invite_person(*, actor: Actor, user: User) -> Invitation:
    """Mail ``user`` a one-time link to set a password; earlier links stop working.

    Raises ``INVITATION_NOT_ALLOWED`` (see :func:`can_invite`) or
    ``EMAIL_SEND_FAILED`` (then nothing is stored).
    """
    if not can_invite(actor=actor, user=user):
        raise PermissionDeniedError(
            AccountError.INVITATION_NOT_ALLOWED,
            gettext("Only an operator may invite this person."),
        )
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            user = lock_user(user)
            revoked = Invitation.objects.filter(
                user=user, used_at__isnull=True, revoked_at__isnull=True
            ).update(revoked_at=now)
            invitation = Invitation.objects.create(
                user=user,
                token_hash=_hash(token),
                created_by=actor,
                expires_at=now + timedelta(days=settings.ACCOUNT_INVITATION_DAYS),
            )
            append_event(
                chain_key=chain_key(user),
                kind=AccountEvent.ACCOUNT_INVITATION_SENT,
                actor=actor,
                payload={
                    "invitation": invitation.pk,
                    "by": str(actor.pk),
                    "expires_at": invitation.expires_at.isoformat(),
                    "revoked_earlier": revoked,
                },
            )
            mails.send_invitation(
                user, actor=actor, token=token, expires_at=invitation.expires_at
            )
    except ServiceError:
        raise
    except Exception as exc:
        logger.exception("Could not send an invitation")
        raise ServiceError(
            AccountError.EMAIL_SEND_FAILED,
            gettext("The invitation could not be sent. Please try again later."),
        ) from exc
    return invitation


def invite_quietly(*, actor: Actor, user: User) -> None:
    """Invite a person just created; a failure is logged, not raised.

    Runs after the roster import has committed: the roster stays, and an operator
    can send the invitation again from the people page.
    """
    try:
        invite_person(actor=actor, user=user)
    except ServiceError:
        logger.warning("No invitation was sent to a new person %s", user.pk)


def _invalid_link() -> ServiceError:
    return ServiceError(
        AccountError.INVITATION_INVALID,
        gettext(
            "This link cannot be used: it has expired, has been used already or has "
            "been replaced by a newer invitation. Ask the system operator to send "
            "you a new invitation."
        ),
    )


def accept_invitation(
    *, token: str, password: str, ip_address: str | None, user_agent: str
) -> User:
    """Set the password of the invited person and use up the link.

    The password must pass ``AUTH_PASSWORD_VALIDATORS`` (``PASSWORD_INVALID``). A
    link that is unknown, used, expired or revoked is refused (``INVITATION_INVALID``),
    recorded in the person's chain when the link is theirs. A person who never logged
    in must enrol a second factor at the first login.
    """
    client: dict[str, Any] = {
        "ip_address": ip_address or None,
        "user_agent": user_agent[:400],
    }
    found = find_invitation(token=token)
    if found is None:
        raise _invalid_link()
    error: ServiceError | None = None
    with transaction.atomic():
        user = lock_user(found.user)
        invitation = Invitation.objects.select_for_update().get(pk=found.pk)
        state = invitation_state(invitation)
        if state != InvitationState.VALID:
            record_event(
                user,
                AccountEvent.ACCOUNT_INVITATION_REFUSED,
                {"invitation": invitation.pk, "reason": state.value, **client},
            )
            error = _invalid_link()
        else:
            try:
                password_validation.validate_password(password, user)
            except ValidationError as exc:
                raise ServiceError(
                    AccountError.PASSWORD_INVALID, " ".join(exc.messages)
                ) from None
            now = timezone.now()
            invitation.used_at = now
            invitation.save(update_fields=["used_at"])
            user.set_password(password)
            fields = ["password"]
            if user.last_login is None:
                user.second_factor_enrolment_required = True
                fields.append("second_factor_enrolment_required")
            user.save(update_fields=fields)
            record_event(
                user,
                AccountEvent.ACCOUNT_INVITATION_ACCEPTED,
                {
                    "invitation": invitation.pk,
                    "password_set": True,
                    "enrolment_required": user.second_factor_enrolment_required,
                    **client,
                },
            )
    if error is not None:
        raise error
    return user
