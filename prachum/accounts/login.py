"""Logging in with a password and a second factor (R14), and the account lockout.

The password step and its throttling live in :mod:`prachum.accounts.password_step`
(re-exported here); wrong second-factor codes lock the account itself.

Every attempt appends an event to the person's evidence chain ``account:<user id>``
(:mod:`prachum.accounts.evidence`) in the same transaction. Payloads never carry
passwords, codes or secrets.

A refused attempt still has to be recorded (failure counter, lockout, evidence), so
the services commit those writes first and raise the ``ServiceError`` afterwards,
outside the atomic block.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from prachum.accounts import mails, otp, throttle
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
from prachum.accounts.password_step import (
    authenticate_password as authenticate_password,
)
from prachum.accounts.password_step import client_payload as _client
from prachum.accounts.password_step import locked_error as _locked_error
from prachum.accounts.selectors import effective_second_factor
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.evidence.services import append_event

logger = logging.getLogger(__name__)

SecondFactorMethod = Literal["totp", "email", "recovery"]

EMAIL_CODE_PURPOSE = "login"
EMAIL_CODE_MAX_ATTEMPTS = 5
EMAIL_CODE_RESEND_SECONDS = 30


def _locked_until(user: User, now: datetime) -> datetime | None:
    """The end of the current lockout, or ``None`` when the account is not locked."""
    if user.locked_until is not None and user.locked_until > now:
        return user.locked_until
    return None


def _count_failure(
    user: User,
    *,
    now: datetime,
    second_factor: bool,
    client: dict[str, Any],
) -> ServiceError | None:
    """Count one failed attempt; lock the account at ``LOGIN_MAX_FAILURES``.

    Returns the lockout error when this failure locked the account. The counters
    start again from zero after a lockout, so the person gets a fresh set of tries
    once it expires.
    """
    user.failed_logins += 1
    if second_factor:
        user.failed_second_factors += 1
    if user.failed_logins < settings.LOGIN_MAX_FAILURES:
        user.save(update_fields=["failed_logins", "failed_second_factors"])
        return None
    failures = user.failed_logins
    user.locked_until = now + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    user.failed_logins = 0
    user.failed_second_factors = 0
    user.save(update_fields=["failed_logins", "failed_second_factors", "locked_until"])
    record_event(
        user,
        AccountEvent.ACCOUNT_LOCKED,
        {"failures": failures, "locked_until": user.locked_until.isoformat(), **client},
    )
    return _locked_error(user.locked_until, now)


def _send_code_mail(user: User, code: str) -> None:
    minutes = settings.EMAIL_OTP_MINUTES
    # Official mail goes out in the site language (Thai), whatever the page language.
    with translation.override(settings.LANGUAGE_CODE):
        subject = gettext("Your Prachum login code")
        body = ngettext(
            "Your login code is %(code)s\n\n"
            "It can be used once and expires in %(minutes)d minute.\n"
            "If you did not try to log in, ignore this message and tell the "
            "system administrator.",
            "Your login code is %(code)s\n\n"
            "It can be used once and expires in %(minutes)d minutes.\n"
            "If you did not try to log in, ignore this message and tell the "
            "system administrator.",
            minutes,
        ) % {"code": code, "minutes": minutes}
    EmailMessage(
        subject=subject,
        body=body,
        to=[user.email],
        headers={otp.LOGIN_CODE_HEADER: otp.LOGIN_CODE_HEADER_VALUE},
    ).send()


def send_email_code(*, user: User) -> None:
    """Send a fresh six-digit login code; earlier unused codes stop working.

    At most one new code per ``EMAIL_CODE_RESEND_SECONDS`` per person
    (``EMAIL_CODE_THROTTLED``). If the mail cannot be sent nothing is stored
    (``EMAIL_SEND_FAILED``).
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            user = lock_user(user)
            last = (
                EmailCode.objects.filter(user=user, purpose=EMAIL_CODE_PURPOSE)
                .order_by("-created_at")
                .values_list("created_at", flat=True)
                .first()
            )
            if last is not None:
                wait = EMAIL_CODE_RESEND_SECONDS - (now - last).total_seconds()
                if wait > 0:
                    seconds = math.ceil(wait)
                    raise ServiceError(
                        AccountError.EMAIL_CODE_THROTTLED,
                        ngettext(
                            "A code was sent a moment ago. You can ask for a new one "
                            "in %(seconds)d second.",
                            "A code was sent a moment ago. You can ask for a new one "
                            "in %(seconds)d seconds.",
                            seconds,
                        )
                        % {"seconds": seconds},
                    )
            EmailCode.objects.filter(
                user=user, purpose=EMAIL_CODE_PURPOSE, used_at__isnull=True
            ).delete()
            code = otp.new_email_code()
            expires_at = now + timedelta(minutes=settings.EMAIL_OTP_MINUTES)
            EmailCode.objects.create(
                user=user,
                purpose=EMAIL_CODE_PURPOSE,
                code_hash=otp.hash_code(code),
                expires_at=expires_at,
            )
            record_event(
                user,
                AccountEvent.ACCOUNT_EMAIL_CODE_SENT,
                {"expires_at": expires_at.isoformat()},
            )
            # Sent inside the transaction: if delivery fails, no code, throttle or
            # evidence is left behind.
            _send_code_mail(user, code)
    except ServiceError:
        raise
    except Exception as exc:
        logger.exception("Could not send a login code")
        raise ServiceError(
            AccountError.EMAIL_SEND_FAILED,
            gettext("The code could not be sent. Please try again later."),
        ) from exc


@dataclass
class _Outcome:
    verification: SecondFactorVerification | None = None
    error: ServiceError | None = None
    reason: str = ""
    detail: dict[str, Any] | None = None


def _check_totp(user: User, code: str, now: datetime) -> _Outcome:
    if effective_second_factor(user=user) != SecondFactor.TOTP:
        return _Outcome(
            error=ServiceError(
                AccountError.SECOND_FACTOR_UNAVAILABLE,
                gettext("This account does not use an authenticator app."),
            )
        )
    step = otp.matching_totp_step(
        secret=user.totp_secret, code=code, at=now, after_step=user.totp_last_step
    )
    if step is None:
        return _Outcome(reason="wrong_code")
    user.totp_last_step = step
    user.save(update_fields=["totp_last_step"])
    return _Outcome()


def _check_email(user: User, code: str, now: datetime) -> _Outcome:
    if effective_second_factor(user=user) != SecondFactor.EMAIL:
        return _Outcome(
            error=ServiceError(
                AccountError.SECOND_FACTOR_UNAVAILABLE,
                gettext("This account does not use codes sent by e-mail."),
            )
        )
    row = (
        EmailCode.objects.select_for_update()
        .filter(user=user, purpose=EMAIL_CODE_PURPOSE, used_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if row is None:
        return _Outcome(
            error=ServiceError(
                AccountError.EMAIL_CODE_MISSING,
                gettext("No valid code has been sent. Ask for a new code."),
            )
        )
    if row.expires_at <= now:
        return _Outcome(
            error=ServiceError(
                AccountError.EMAIL_CODE_EXPIRED,
                gettext("This code has expired. Ask for a new code."),
            )
        )
    if row.attempts >= EMAIL_CODE_MAX_ATTEMPTS:
        return _Outcome(
            error=ServiceError(
                AccountError.EMAIL_CODE_EXHAUSTED,
                gettext("Too many wrong codes were entered. Ask for a new code."),
            )
        )
    if not otp.code_matches(code, row.code_hash):
        row.attempts += 1
        row.save(update_fields=["attempts"])
        return _Outcome(reason="wrong_code")
    row.used_at = now
    row.save(update_fields=["used_at"])
    return _Outcome()


def _check_recovery(user: User, code: str, now: datetime) -> _Outcome:
    row = (
        RecoveryCode.objects.select_for_update()
        .filter(
            user=user, used_at__isnull=True, code_hash__in=otp.candidate_hashes(code)
        )
        .first()
    )
    if row is None:
        return _Outcome(reason="wrong_code")
    row.used_at = now
    row.save(update_fields=["used_at"])
    left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
    return _Outcome(detail={"recovery_codes_left": left})


_CHECKS = {"totp": _check_totp, "email": _check_email, "recovery": _check_recovery}


def verify_second_factor(
    *,
    user: User,
    method: SecondFactorMethod,
    code: str,
    ip_address: str | None,
    user_agent: str,
) -> SecondFactorVerification:
    """Check a TOTP, e-mail or recovery code and record the verification.

    TOTP codes are single-use per time-step, e-mail and recovery codes single-use.
    Wrong codes count toward the same lockout as wrong passwords.
    """
    if method not in _CHECKS:
        raise ServiceError(
            AccountError.SECOND_FACTOR_METHOD, gettext("Unknown verification method.")
        )
    now = timezone.now()
    client = _client(ip_address, user_agent)
    with transaction.atomic():
        user = lock_user(user)
        locked_until = _locked_until(user, now)
        if locked_until is not None:
            record_event(
                user,
                AccountEvent.ACCOUNT_SECOND_FACTOR_REFUSED,
                {"method": method, "reason": "locked", **client},
            )
            outcome = _Outcome(error=_locked_error(locked_until, now))
        else:
            outcome = _CHECKS[method](user, otp.normalise_code(code), now)
            if outcome.reason:
                record_event(
                    user,
                    AccountEvent.ACCOUNT_SECOND_FACTOR_FAILED,
                    {"method": method, "reason": outcome.reason, **client},
                )
                outcome.error = _count_failure(
                    user, now=now, second_factor=True, client=client
                ) or ServiceError(
                    AccountError.SECOND_FACTOR_INVALID,
                    gettext("The code is incorrect."),
                )
            elif outcome.error is None:
                user.failed_logins = 0
                user.failed_second_factors = 0
                user.save(update_fields=["failed_logins", "failed_second_factors"])
                outcome.verification = SecondFactorVerification.objects.create(
                    user=user,
                    method=method,
                    ip_address=client["ip_address"],
                    user_agent=client["user_agent"],
                )
                record_event(
                    user,
                    AccountEvent.ACCOUNT_SECOND_FACTOR_VERIFIED,
                    {"method": method, **(outcome.detail or {}), **client},
                )
    if outcome.error is not None:
        raise outcome.error
    if outcome.verification is None:  # pragma: no cover - every branch sets one
        raise RuntimeError("second-factor check ended without a result")
    return outcome.verification


def unlock_account(*, user: User, actor: User) -> None:
    """Lift a lockout before it expires: an operator's act, recorded and mailed.

    Raises ``OPERATORS_ONLY`` for anyone but an operator, ``EMAIL_SEND_FAILED`` when
    the person cannot be told (then nothing changes).
    """
    if not actor.is_staff:
        raise PermissionDeniedError(
            AccountError.OPERATORS_ONLY, gettext("This is for operators only.")
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            user = lock_user(user)
            throttle.forget_name(user.username)
            user.locked_until = None
            user.failed_logins = 0
            user.failed_second_factors = 0
            user.save(
                update_fields=["locked_until", "failed_logins", "failed_second_factors"]
            )
            append_event(
                chain_key=chain_key(user),
                kind=AccountEvent.ACCOUNT_UNLOCKED,
                actor=actor,
                payload={"by": str(actor.pk)},
            )
            mails.send_unlocked(user, actor=actor, at=now)
    except ServiceError:
        raise
    except Exception as exc:
        logger.exception("Could not tell a person their account was unlocked")
        raise ServiceError(
            AccountError.EMAIL_SEND_FAILED,
            gettext(
                "The message to the person could not be sent; nothing was changed."
            ),
        ) from exc
