"""Re-encrypting the people's TOTP secrets under the newest field key (F4, ADR 0018).

``manage.py rotate_field_key`` puts a new key in front of the old ones and calls
:func:`reencrypt_stored_secrets`; the old keys are dropped only after it commits. Each
person whose secret moved gets an event in their chain ``account:<id>`` naming the
operator and the key ids (never a key or a secret): the person's record shows every
act on their second factor, and a purge of one account's chain removes only that
person's events.
"""

from __future__ import annotations

import uuid
from collections import Counter

from django.db import transaction
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.utils.translation import gettext

from prachum.accounts.error_codes import AccountError
from prachum.accounts.events import AccountEvent
from prachum.accounts.evidence import chain_key
from prachum.accounts.models import User
from prachum.core import secrets_at_rest
from prachum.core.errors import PermissionDeniedError
from prachum.evidence.services import append_event

SECRET_FIELDS = ("totp_secret", "totp_pending_secret")


def _stored() -> list[tuple[uuid.UUID, str, str]]:
    """``(pk, stored totp_secret, stored totp_pending_secret)`` as the columns hold them."""
    # Cast to a plain text field: the value is read without being decrypted.
    return list(
        User.objects.filter(~Q(totp_secret="") | ~Q(totp_pending_secret=""))
        .annotate(
            raw_secret=Cast("totp_secret", CharField()),
            raw_pending=Cast("totp_pending_secret", CharField()),
        )
        .order_by("pk")
        .values_list("pk", "raw_secret", "raw_pending")
    )


def stored_key_ids() -> Counter[str]:
    """How many stored secrets each key id encrypts (``plain``: not encrypted)."""
    counts: Counter[str] = Counter()
    for _, *values in _stored():
        for value in values:
            if value:
                counts[secrets_at_rest.stored_key_id(str(value)) or "plain"] += 1
    return counts


def reencrypt_stored_secrets(*, actor: User) -> int:
    """Encrypt every stored secret not under the newest key again; return the people.

    One transaction: if any secret cannot be read (a key is missing) nothing changes
    and :class:`~prachum.core.secrets_at_rest.FieldKeyError` says which key.
    """
    if not (actor.is_staff and actor.is_active):
        raise PermissionDeniedError(
            AccountError.OPERATORS_ONLY, gettext("This is for operators only.")
        )
    ring = secrets_at_rest.keyring()
    primary = ring.primary_id
    with transaction.atomic():
        stale: dict[uuid.UUID, list[str]] = {}
        for pk, *values in _stored():
            old = {
                secrets_at_rest.stored_key_id(str(v)) or "plain" for v in values if v
            }
            if old - {primary}:
                stale[pk] = sorted(old)
        people = User.objects.select_for_update().filter(pk__in=stale).order_by("pk")
        for person in people:
            # Reading decrypted with the old key; saving encrypts with the newest.
            person.save(update_fields=list(SECRET_FIELDS))
            append_event(
                chain_key=chain_key(person),
                kind=AccountEvent.ACCOUNT_SECRET_REENCRYPTED,
                actor=actor,
                payload={
                    "by": str(actor.pk),
                    "from_keys": stale[person.pk],
                    "to_key": primary,
                },
            )
    return len(stale)
