"""Counting wrong passwords per scope, with time-decay (ADR "login throttling").

Three scopes, all keyed by what was *typed*, never by whether the account exists, so
an unknown name is counted and held back exactly like a real one:

- ``pair``: one typed name from one address. ``LOGIN_MAX_FAILURES`` wrong passwords
  hold the pair back for ``LOGIN_LOCKOUT_MINUTES``; the same person from another
  address is not affected.
- ``address``: every name from one address (an IPv6 /64 is one address).
  ``LOGIN_ADDRESS_MAX_FAILURES`` wrong passwords hold the address back.
- ``name``: one typed name from everywhere. From ``LOGIN_ACCOUNT_SLOW_AFTER`` wrong
  passwords on, each failure holds the password-only login back for
  ``LOGIN_ACCOUNT_DELAY_SECONDS`` (a slowdown, not a lockout): a password with a
  recovery code still gets in.

A score leaks away linearly: one failure per ``LOGIN_LOCKOUT_MINUTES /
LOGIN_MAX_FAILURES`` for pairs and names, so one address, held back after
``LOGIN_MAX_FAILURES``, can never push a name's score up to the slowdown alone.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.conf import settings
from django.utils.crypto import salted_hmac

from prachum.accounts.models import LoginThrottle

Scope = Literal["pair", "address", "name"]
_SALT = "prachum.accounts.throttle"


def address_key(ip_address: str | None) -> str:
    """The address counted: IPv4 as is, IPv6 by its /64 network (one subscriber)."""
    if not ip_address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(ip_address)
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _hash(text: str) -> str:
    return salted_hmac(_SALT, text, algorithm="sha256").hexdigest()


def name_key(username: str) -> str:
    return _hash(f"name:{username}")


@dataclass(frozen=True)
class Keys:
    pair: str
    address: str
    name: str

    @classmethod
    def of(cls, username: str, ip_address: str | None) -> Keys:
        address = address_key(ip_address)
        return cls(
            pair=_hash(f"pair:{username}|{address}"),
            address=_hash(f"address:{address}"),
            name=name_key(username),
        )


def _limit(scope: Scope) -> int:
    if scope == "address":
        return int(settings.LOGIN_ADDRESS_MAX_FAILURES)
    if scope == "name":
        return int(settings.LOGIN_ACCOUNT_SLOW_AFTER)
    return int(settings.LOGIN_MAX_FAILURES)


def _leak_seconds(scope: Scope) -> float:
    """Seconds for one failure to be forgotten."""
    window = settings.LOGIN_LOCKOUT_MINUTES * 60
    if scope == "address":
        return float(window / max(1, settings.LOGIN_ADDRESS_MAX_FAILURES))
    return float(window / max(1, settings.LOGIN_MAX_FAILURES))


def _decayed(row: LoginThrottle, scope: Scope, now: datetime) -> float:
    elapsed = max(0.0, (now - row.updated_at).total_seconds())
    return max(0.0, row.score - elapsed / _leak_seconds(scope))


def held_until(key: str, now: datetime) -> datetime | None:
    """The end of the hold on ``key``, or ``None``."""
    until = (
        LoginThrottle.objects.filter(key=key, held_until__gt=now)
        .values_list("held_until", flat=True)
        .first()
    )
    return until


def count_failure(
    *, key: str, scope: Scope, now: datetime, name: str = ""
) -> tuple[float, datetime | None]:
    """Count one wrong password; returns the score it reached and a hold it began.

    Pairs and addresses are held for ``LOGIN_LOCKOUT_MINUTES`` when they reach their
    limit and start again from zero; names past their limit are held for
    ``LOGIN_ACCOUNT_DELAY_SECONDS`` after every failure. Call inside a transaction.
    """
    LoginThrottle.objects.get_or_create(
        key=key, defaults={"name_key": name, "updated_at": now}
    )
    row = LoginThrottle.objects.select_for_update().get(key=key)
    was_held = row.held_until is not None and row.held_until > now
    score = reached = _decayed(row, scope, now) + 1
    began: datetime | None = None
    if score >= _limit(scope):
        if scope == "name":
            row.held_until = now + timedelta(
                seconds=settings.LOGIN_ACCOUNT_DELAY_SECONDS
            )
        else:
            row.held_until = now + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
            score = 0.0
        began = None if was_held else row.held_until
    row.score = score
    row.updated_at = now
    row.save(update_fields=["score", "updated_at", "held_until"])
    return reached, began


def forget(*keys: str) -> None:
    """A correct password: the pair and the name start again from zero."""
    LoginThrottle.objects.filter(key__in=keys).delete()


def forget_name(username: str) -> None:
    """An operator's unlock: every hold on this name, from every address."""
    LoginThrottle.objects.filter(name_key=name_key(username)).delete()
