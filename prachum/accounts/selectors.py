"""Reading the state of a person's login factors."""

from __future__ import annotations

from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from prachum.accounts import otp
from prachum.accounts.models import (
    Invitation,
    RecoveryCode,
    SecondFactor,
    SecondFactorVerification,
    User,
)

# The offline demo looks at this many of the newest outbox files at most.
_OUTBOX_SCAN_LIMIT = 200


def effective_second_factor(*, user: User) -> SecondFactor:
    """The factor asked for at login: TOTP only once an authenticator is confirmed."""
    if (
        user.second_factor == SecondFactor.TOTP
        and user.totp_secret
        and user.totp_confirmed_at is not None
    ):
        return SecondFactor.TOTP
    return SecondFactor.EMAIL


def latest_second_factor_at(*, user: User) -> datetime | None:
    """When ``user`` last proved a second factor (any method), or ``None``."""
    return (
        SecondFactorVerification.objects.filter(user=user)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )


def has_fresh_second_factor(*, user: User, within: timedelta) -> bool:
    """True when ``user`` proved a second factor no longer than ``within`` ago."""
    at = latest_second_factor_at(user=user)
    return at is not None and at >= timezone.now() - within


def unused_recovery_code_count(*, user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def pending_totp_uri(*, user: User) -> str | None:
    """The provisioning URI of an enrolment that is started but not confirmed."""
    if not user.totp_pending_secret:
        return None
    return otp.provisioning_uri(
        secret=user.totp_pending_secret, account_name=user.username
    )


class OutboxMessage(NamedTuple):
    subject: str
    body: str


def latest_outbox_login_code(*, user: User) -> OutboxMessage | None:
    """The newest login-code message for ``user`` in the outbox folder.

    For the offline demo only (no ``EMAIL_URL``): mail is written to
    ``EMAIL_OUTBOX_DIR`` instead of being sent, and the login page shows it.
    """
    folder = Path(settings.EMAIL_OUTBOX_DIR)
    if not folder.is_dir() or not user.email:
        return None
    wanted = user.email.casefold()
    files = sorted(folder.glob("*.eml"), key=lambda p: p.name, reverse=True)
    parser = BytesParser(policy=policy.default)
    for path in files[:_OUTBOX_SCAN_LIMIT]:
        try:
            message = parser.parsebytes(path.read_bytes())
        except OSError:
            continue
        if not isinstance(message, EmailMessage):
            continue
        if message.get(otp.LOGIN_CODE_HEADER) != otp.LOGIN_CODE_HEADER_VALUE:
            continue
        recipients = {
            addr.casefold() for _, addr in getaddresses(message.get_all("To", []))
        }
        if wanted not in recipients:
            continue
        part = message.get_body(preferencelist=("plain",))
        body = part.get_content() if isinstance(part, EmailMessage) else ""
        return OutboxMessage(subject=str(message.get("Subject", "")), body=body)
    return None


class InvitationState(StrEnum):
    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"


def invitation_state(invitation: Invitation) -> InvitationState:
    if invitation.used_at is not None:
        return InvitationState.USED
    if invitation.revoked_at is not None:
        return InvitationState.REVOKED
    if invitation.expires_at <= timezone.now():
        return InvitationState.EXPIRED
    return InvitationState.VALID


class PersonStatus(NamedTuple):
    """What an operator needs to see about one person's access."""

    locked: bool
    has_password: bool
    enrolment_required: bool
    factor: SecondFactor
    invitation_state: str | None  # InvitationState value of the newest invitation
    invitation_sent_at: datetime | None


def search_people(*, query: str = "", limit: int = 200) -> QuerySet[User]:
    """People whose name, username or e-mail contains ``query``, by name."""
    people = User.objects.order_by("full_name", "username")
    query = query.strip()
    if query:
        people = people.filter(
            Q(full_name__icontains=query)
            | Q(username__icontains=query)
            | Q(email__icontains=query)
        )
    return people[:limit]


def person_status(*, user: User) -> PersonStatus:
    invitation = Invitation.objects.filter(user=user).order_by("-created_at").first()
    return PersonStatus(
        locked=user.locked_until is not None and user.locked_until > timezone.now(),
        has_password=user.has_usable_password(),
        enrolment_required=user.second_factor_enrolment_required,
        factor=effective_second_factor(user=user),
        invitation_state=invitation_state(invitation).value if invitation else None,
        invitation_sent_at=invitation.created_at if invitation else None,
    )
