"""The password step of logging in (R14), throttled per name and address (issue 15, F6).

The answer and the work done never depend on whether the typed name exists: unknown
names are counted and held back like real ones (:mod:`prachum.accounts.throttle`) and
the password hasher runs for them too. Attempts on a real account are recorded in the
person's chain; nothing about an unknown name is (no chain to put it in, and it may be
a mistyped password).

A refused attempt still has to be recorded, so the writes commit first and the
``ServiceError`` is raised afterwards, outside the atomic block.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from prachum.accounts import otp, throttle
from prachum.accounts.error_codes import AccountError
from prachum.accounts.events import AccountEvent
from prachum.accounts.evidence import record_event
from prachum.accounts.models import RecoveryCode, User
from prachum.core.errors import ServiceError

logger = logging.getLogger(__name__)

_USER_AGENT_MAX = 400


def client_payload(ip_address: str | None, user_agent: str) -> dict[str, Any]:
    return {
        "ip_address": ip_address or None,
        "user_agent": user_agent[:_USER_AGENT_MAX],
    }


def _minutes(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


def locked_error(locked_until: datetime, now: datetime) -> ServiceError:
    """The account itself is locked (wrong second-factor codes)."""
    minutes = _minutes(locked_until, now)
    return ServiceError(
        AccountError.LOGIN_LOCKED,
        ngettext(
            "Too many failed attempts. The account is locked; "
            "try again in %(minutes)d minute.",
            "Too many failed attempts. The account is locked; "
            "try again in %(minutes)d minutes.",
            minutes,
        )
        % {"minutes": minutes},
    )


def _held_error(until: datetime, now: datetime) -> ServiceError:
    minutes = _minutes(until, now)
    return ServiceError(
        AccountError.LOGIN_LOCKED,
        ngettext(
            "Too many failed attempts from this network; try again in %(minutes)d "
            "minute.",
            "Too many failed attempts from this network; try again in %(minutes)d "
            "minutes.",
            minutes,
        )
        % {"minutes": minutes},
    )


def _slowed_error(until: datetime, now: datetime) -> ServiceError:
    minutes = _minutes(until, now)
    return ServiceError(
        AccountError.LOGIN_SLOWED,
        ngettext(
            "Too many failed attempts for this username from several places. Try "
            "again in %(minutes)d minute, or enter your password together with one "
            "of your recovery codes.",
            "Too many failed attempts for this username from several places. Try "
            "again in %(minutes)d minutes, or enter your password together with one "
            "of your recovery codes.",
            minutes,
        )
        % {"minutes": minutes},
    )


def _invalid_login(with_recovery_code: bool) -> ServiceError:
    # Identical for unknown users, wrong passwords and inactive accounts.
    if with_recovery_code:
        message = gettext("The username, password or recovery code is incorrect.")
    else:
        message = gettext("The username or password is incorrect.")
    return ServiceError(AccountError.LOGIN_INVALID, message)


def _wrong(user: User | None, password: str, recovery_code: str) -> str:
    """Why the credentials do not match (``""`` when they do)."""
    if user is None:
        # Run the hasher anyway so response time does not reveal unknown names.
        User().set_password(password)
        return "unknown"
    if not user.check_password(password):
        return "password"
    if (
        recovery_code
        and not RecoveryCode.objects.filter(
            user=user,
            used_at__isnull=True,
            code_hash__in=otp.candidate_hashes(otp.normalise_code(recovery_code)),
        ).exists()
    ):
        return "recovery_code"
    return ""


def _refusal(
    keys: throttle.Keys, now: datetime, *, with_recovery_code: bool
) -> tuple[str, ServiceError] | None:
    """A hold on this name from this address or on the address; else the slowdown
    of the name, which a recovery code passes. ``(reason, error)`` or ``None``."""
    holds = [
        until
        for until in (
            throttle.held_until(keys.pair, now),
            throttle.held_until(keys.address, now),
        )
        if until is not None
    ]
    if holds:
        return "held", _held_error(max(holds), now)
    slowed = None if with_recovery_code else throttle.held_until(keys.name, now)
    if slowed is not None:
        return "slowed", _slowed_error(slowed, now)
    return None


def _count_failure(
    keys: throttle.Keys, user: User | None, now: datetime, client: dict[str, Any]
) -> ServiceError | None:
    """Count a wrong password in every scope; the hold it began, if any."""
    pair_score, pair_held = throttle.count_failure(
        key=keys.pair, scope="pair", now=now, name=keys.name
    )
    _, address_held = throttle.count_failure(key=keys.address, scope="address", now=now)
    name_score, name_held = throttle.count_failure(
        key=keys.name, scope="name", now=now, name=keys.name
    )
    if user is not None:
        # "address": this name from this address is held back; "everywhere": the
        # password alone is slowed down for this name.
        for scope, score, until in (
            ("address", pair_score, pair_held),
            ("everywhere", name_score, name_held),
        ):
            if until is not None:
                record_event(
                    user,
                    AccountEvent.ACCOUNT_LOCKED,
                    {
                        "scope": scope,
                        "failures": round(score),
                        "locked_until": until.isoformat(),
                        **client,
                    },
                )
    if address_held is not None:
        logger.warning("Log-in held back for one address after many wrong passwords")
    holds = [until for until in (pair_held, address_held) if until is not None]
    return _held_error(max(holds), now) if holds else None


def authenticate_password(
    *,
    username: str,
    password: str,
    ip_address: str | None,
    user_agent: str,
    recovery_code: str = "",
) -> User:
    """Check the first factor. Raises ``LOGIN_INVALID``, ``LOGIN_LOCKED``, ``LOGIN_SLOWED``.

    With ``recovery_code`` the code must match too (it is checked, not used: the
    caller completes the login with ``verify_second_factor(method="recovery")``);
    that passes the slowdown of a name attacked from many places. A correct password
    clears the failures of this name but not second-factor failures (see
    ``User.failed_second_factors``).
    """
    now = timezone.now()
    client = client_payload(ip_address, user_agent)
    keys = throttle.Keys.of(username, ip_address)
    error: ServiceError | None = None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        refusal = _refusal(keys, now, with_recovery_code=bool(recovery_code))
        reason = "" if refusal else _wrong(user, password, recovery_code)
        if refusal is not None:
            if user is not None:
                record_event(
                    user,
                    AccountEvent.ACCOUNT_LOGIN_REFUSED,
                    {"reason": refusal[0], **client},
                )
            error = refusal[1]
        elif reason or user is None:
            if user is not None:
                record_event(
                    user,
                    AccountEvent.ACCOUNT_LOGIN_FAILED,
                    {"reason": reason, **client},
                )
            error = _count_failure(keys, user, now, client) or _invalid_login(
                bool(recovery_code)
            )
        elif not user.is_active:
            record_event(
                user,
                AccountEvent.ACCOUNT_LOGIN_FAILED,
                {"reason": "inactive", **client},
            )
            error = _invalid_login(bool(recovery_code))
        elif user.locked_until is not None and user.locked_until > now:
            record_event(
                user,
                AccountEvent.ACCOUNT_LOGIN_REFUSED,
                {"reason": "locked", **client},
            )
            error = locked_error(user.locked_until, now)
        else:
            throttle.forget(keys.pair, keys.name)
            user.failed_logins = user.failed_second_factors
            user.save(update_fields=["failed_logins"])
            record_event(
                user,
                AccountEvent.ACCOUNT_LOGIN_SUCCEEDED,
                {"factor": "password", **client},
            )
    if error is not None:
        raise error
    if user is None:  # pragma: no cover - an unknown name always ends in an error
        raise RuntimeError("password step ended without a person")
    return user
