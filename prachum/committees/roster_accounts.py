"""Which account a roster row means, told without revealing other accounts (F11).

Issue 15 F11 found that a secretary could put any existing account on their roster
by its login name alone — the operator's included, as chair — and that the import's
e-mail check ("this e-mail belongs to another person") told which addresses have an
account. The rules now:

- **The address is the identity.** A row whose e-mail (any letter case) belongs to
  an account means that account, whatever the login name column says; the row's
  name, title and position do not change it. The import answers exactly as for a
  new person, and the owner of the address is mailed that they were added
  (``core.signals.member_linked``), so the person learns of it, not the secretary.
- **A new address makes a new person** with the row's login name, invited by mail
  to set a password. If that login name is already taken, the row is refused with
  :data:`CANNOT_ADD` — a login name is chosen by the secretary and shown to the
  person, so saying it cannot be used tells nothing about any address.
- **Operator accounts are not for secretaries.** Only an operator may give a
  committee role to an operator or superuser account; for anyone else such a row
  is refused with the same :data:`CANNOT_ADD`, whether it names the account by its
  address or its login name.

The generic :data:`CANNOT_ADD` never says which column or which account is the
reason. :func:`can_give_role_to` is the same rule for ``add_member``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

CANNOT_ADD = _(
    "This person cannot be added from this row. Choose another login name, or ask "
    "the system operator to add the person."
)


def is_operator_account(user: Any) -> bool:
    return bool(user.is_staff or user.is_superuser)


def can_give_role_to(*, actor: Any, user: Any) -> bool:
    """Only an operator gives a committee role to an operator account."""
    return not is_operator_account(user) or bool(actor.is_staff)


def resolve_row(*, actor: Any, username: str, email: str) -> tuple[Any | None, bool]:
    """The existing account the row means (``None``: a new person) and whether the
    row may be imported at all (``False``: refuse it with :data:`CANNOT_ADD`)."""
    user_model = get_user_model()
    owner = user_model.objects.filter(email__iexact=email).first()
    if owner is not None:
        return owner, can_give_role_to(actor=actor, user=owner)
    if user_model.objects.filter(username=username).exists():
        return None, False
    return None, True
