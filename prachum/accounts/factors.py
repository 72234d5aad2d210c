"""Managing a person's second factor (R14): authenticator app, e-mail codes, recovery codes.

Every change appends an event to the person's evidence chain ``account:<user id>``
(:mod:`prachum.accounts.evidence`) in the same transaction. Payloads never carry
codes or secrets.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from prachum.accounts import mails, otp
from prachum.accounts.error_codes import AccountError
from prachum.accounts.events import AccountEvent
from prachum.accounts.evidence import chain_key, lock_user, record_event
from prachum.accounts.models import (
    EmailCode,
    RecoveryCode,
    SecondFactor,
    SecondFactorVerification,
    User,
)
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.evidence.services import append_event

logger = logging.getLogger(__name__)


def begin_totp_enrolment(*, user: User) -> str:
    """Create a pending TOTP secret and return its ``otpauth://`` provisioning URI.

    The current factor keeps working until :func:`confirm_totp_enrolment` succeeds.
    """
    with transaction.atomic():
        user = lock_user(user)
        user.totp_pending_secret = otp.new_totp_secret()
        user.save(update_fields=["totp_pending_secret"])
    return otp.provisioning_uri(
        secret=user.totp_pending_secret, account_name=user.username
    )


def _replace_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [otp.new_recovery_code() for _ in range(otp.RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=otp.hash_code(code)) for code in codes
    )
    return codes


def confirm_totp_enrolment(*, user: User, code: str) -> list[str]:
    """Make the pending secret the person's factor once a code from it is shown.

    Returns ten new recovery codes (earlier ones stop working); they are stored
    hashed and cannot be shown again.
    """
    now = timezone.now()
    with transaction.atomic():
        user = lock_user(user)
        if not user.totp_pending_secret:
            raise ServiceError(
                AccountError.TOTP_NOT_PENDING,
                gettext("Start the authenticator set-up again."),
            )
        step = otp.matching_totp_step(
            secret=user.totp_pending_secret, code=code, at=now, after_step=None
        )
        if step is None:
            raise ServiceError(
                AccountError.TOTP_CODE_INVALID,
                gettext(
                    "The code does not match. Check the clock of your phone and "
                    "enter the code shown now."
                ),
            )
        user.totp_secret = user.totp_pending_secret
        user.totp_pending_secret = ""
        user.totp_confirmed_at = now
        # The confirming code cannot be replayed to log in.
        user.totp_last_step = step
        user.second_factor = SecondFactor.TOTP
        user.save(
            update_fields=[
                "totp_secret",
                "totp_pending_secret",
                "totp_confirmed_at",
                "totp_last_step",
                "second_factor",
            ]
        )
        codes = _replace_recovery_codes(user)
        record_event(
            user, AccountEvent.ACCOUNT_TOTP_ENROLLED, {"recovery_codes": len(codes)}
        )
    return codes


def regenerate_recovery_codes(*, user: User) -> list[str]:
    """Replace all recovery codes with ten new ones, returned once."""
    with transaction.atomic():
        user = lock_user(user)
        codes = _replace_recovery_codes(user)
        record_event(
            user,
            AccountEvent.ACCOUNT_RECOVERY_CODES_REGENERATED,
            {"recovery_codes": len(codes)},
        )
    return codes


def switch_to_email_codes(*, user: User, actor: User) -> None:
    """Stop using the authenticator app; log-in codes come by e-mail again.

    ``actor`` is the person themselves, or an operator helping someone who lost
    their phone. Recovery codes stay valid.
    """
    with transaction.atomic():
        user = lock_user(user)
        previous = user.second_factor
        user.second_factor = SecondFactor.EMAIL
        user.totp_secret = ""
        user.totp_pending_secret = ""
        user.totp_confirmed_at = None
        user.totp_last_step = None
        user.save(
            update_fields=[
                "second_factor",
                "totp_secret",
                "totp_pending_secret",
                "totp_confirmed_at",
                "totp_last_step",
            ]
        )
        append_event(
            chain_key=chain_key(user),
            kind=AccountEvent.ACCOUNT_SECOND_FACTOR_CHANGED,
            actor=actor,
            payload={"from": previous, "to": SecondFactor.EMAIL.value},
        )


def reset_second_factor(*, actor: User, user: User) -> None:
    """An operator removes the person's enrolled factors (a lost phone, a leak).

    The authenticator app, recovery codes and unused e-mail codes stop working; the
    next login enrols a second factor again. Recorded in the person's chain and
    mailed to them (``EMAIL_SEND_FAILED``: nothing changes).
    """
    if not actor.is_staff:
        raise PermissionDeniedError(
            AccountError.OPERATORS_ONLY, gettext("This is for operators only.")
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            user = lock_user(user)
            previous = user.second_factor
            user.second_factor = SecondFactor.EMAIL
            user.totp_secret = ""
            user.totp_pending_secret = ""
            user.totp_confirmed_at = None
            user.totp_last_step = None
            user.second_factor_enrolment_required = True
            user.save(
                update_fields=[
                    "second_factor",
                    "totp_secret",
                    "totp_pending_secret",
                    "totp_confirmed_at",
                    "totp_last_step",
                    "second_factor_enrolment_required",
                ]
            )
            recovery, _ = RecoveryCode.objects.filter(user=user).delete()
            EmailCode.objects.filter(user=user, used_at__isnull=True).delete()
            append_event(
                chain_key=chain_key(user),
                kind=AccountEvent.ACCOUNT_SECOND_FACTOR_RESET,
                actor=actor,
                payload={
                    "by": str(actor.pk),
                    "from": previous,
                    "recovery_codes_removed": recovery,
                },
            )
            mails.send_second_factor_reset(user, actor=actor, at=now)
    except ServiceError:
        raise
    except Exception as exc:
        logger.exception("Could not tell a person their second factor was reset")
        raise ServiceError(
            AccountError.EMAIL_SEND_FAILED,
            gettext(
                "The message to the person could not be sent; nothing was changed."
            ),
        ) from exc


def finish_enrolment(
    *, user: User, method: str, ip_address: str | None, user_agent: str
) -> None:
    """End the first-login enrolment: ``method`` (``totp`` or ``email``) was proved.

    For ``totp`` the confirming code of :func:`confirm_totp_enrolment` is the proof
    and is recorded as a verification here; for ``email`` the code was checked by
    ``login.verify_second_factor``, which recorded it.
    """
    with transaction.atomic():
        user = lock_user(user)
        factor = SecondFactor.TOTP if method == "totp" else SecondFactor.EMAIL
        user.second_factor = factor
        user.second_factor_enrolment_required = False
        user.failed_logins = 0
        user.failed_second_factors = 0
        user.save(
            update_fields=[
                "second_factor",
                "second_factor_enrolment_required",
                "failed_logins",
                "failed_second_factors",
            ]
        )
        if factor == SecondFactor.TOTP:
            SecondFactorVerification.objects.create(
                user=user,
                method="totp",
                ip_address=ip_address or None,
                user_agent=user_agent[:400],
            )
        record_event(
            user,
            AccountEvent.ACCOUNT_SECOND_FACTOR_ENROLLED,
            {"method": factor.value, "ip_address": ip_address or None},
        )
