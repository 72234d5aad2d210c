"""The person's evidence chain ``account:<user id>`` (R14).

Every security-relevant account change appends an event to this chain in the same
transaction, under a row lock on the person. Payloads never carry passwords, codes
or secrets.
"""

from __future__ import annotations

from typing import Any

from prachum.accounts.events import AccountEvent
from prachum.accounts.models import User
from prachum.evidence.services import append_event


def chain_key(user: User) -> str:
    return f"account:{user.pk}"


def record_event(user: User, kind: AccountEvent, payload: dict[str, Any]) -> None:
    """Append ``kind`` to the person's chain, the person being the actor."""
    append_event(chain_key=chain_key(user), kind=kind, actor=user, payload=payload)


def lock_user(user: User) -> User:
    """The person's row, locked until the transaction ends: changes run one at a time."""
    return User.objects.select_for_update().get(pk=user.pk)
