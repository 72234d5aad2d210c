"""What an operator does to someone else's account, each act as evidence (R14).

Issue 15 F3: an account's e-mail, password, active flag and operator flag change
only here (the Django admin shows them read-only). Each service locks the person,
checks the actor, changes the row, appends an event with the operator's identity to
the person's chain ``account:<user id>`` and mails the person — an e-mail change
goes to the previous address as well as the new one — all in one transaction: when
the mail cannot be sent, nothing changes (``EMAIL_SEND_FAILED``).

Rules common to every act (:func:`_check`): only an operator (``is_staff``) acts;
only a superuser acts on a superuser's account; an operator does not close their
own account or take away their own operator rights. An operator never types a
password for someone else: :func:`reset_password` makes the old one unusable and
mails a one-time link to set a new one, so nobody but the person knows it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from prachum.accounts import invitations, mails
from prachum.accounts.error_codes import AccountError
from prachum.accounts.events import AccountEvent
from prachum.accounts.evidence import chain_key, lock_user
from prachum.accounts.models import EmailCode, Invitation, User
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.evidence.services import append_event

logger = logging.getLogger(__name__)


def _check(*, actor: User, user: User, on_self_allowed: bool = True) -> None:
    if not actor.is_staff:
        raise PermissionDeniedError(
            AccountError.OPERATORS_ONLY, gettext("This is for operators only.")
        )
    if user.is_superuser and not actor.is_superuser:
        raise PermissionDeniedError(
            AccountError.SUPERUSER_ONLY,
            gettext("Only a superuser may change a superuser's account."),
        )
    if not on_self_allowed and actor.pk == user.pk:
        raise PermissionDeniedError(
            AccountError.NOT_ON_YOURSELF,
            gettext("You cannot do this to your own account; ask another operator."),
        )


@contextmanager
def _mailed_act() -> Iterator[None]:
    """One transaction; a mail that fails undoes the act with a clear Thai error."""
    try:
        with transaction.atomic():
            yield
    except ServiceError:
        raise
    except Exception as exc:
        logger.exception("Could not tell a person about an operator's act")
        raise ServiceError(
            AccountError.EMAIL_SEND_FAILED,
            gettext(
                "The message to the person could not be sent; nothing was changed."
            ),
        ) from exc


def _record(user: User, kind: AccountEvent, actor: User, **payload: object) -> None:
    append_event(
        chain_key=chain_key(user),
        kind=kind,
        actor=actor,
        payload={"by": str(actor.pk), "by_name": actor.display_name, **payload},
    )


def change_email(*, actor: User, user: User, email: str) -> User:
    """Give the person a new address; both addresses are told.

    Unused e-mail codes and invitations sent to the previous address stop working.
    Raises ``EMAIL_INVALID``, ``EMAIL_TAKEN`` (the address is another account's).
    """
    _check(actor=actor, user=user)
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ServiceError(
            AccountError.EMAIL_INVALID, gettext("Not a valid e-mail address.")
        ) from None
    now = timezone.now()
    with _mailed_act():
        user = lock_user(user)
        previous = user.email
        if previous == email:
            return user
        if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
            raise ServiceError(
                AccountError.EMAIL_TAKEN,
                gettext("This e-mail address is used by another account."),
            )
        user.email = email
        user.save(update_fields=["email"])
        revoked = Invitation.objects.filter(
            user=user, used_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        EmailCode.objects.filter(user=user, used_at__isnull=True).delete()
        _record(
            user,
            AccountEvent.ACCOUNT_EMAIL_CHANGED,
            actor,
            previous=previous,
            new=email,
            invitations_revoked=revoked,
        )
        mails.send_email_changed(user, actor=actor, at=now, previous=previous)
    return user


def reset_password(*, actor: User, user: User) -> User:
    """The old password stops working at once; a one-time link to set a new one is
    mailed to the person (with a notice). Their open sessions end."""
    _check(actor=actor, user=user, on_self_allowed=False)
    if not user.is_active:
        raise ServiceError(
            AccountError.INVITATION_NOT_ALLOWED,
            gettext("The account is closed: reopen it first."),
        )
    now = timezone.now()
    with _mailed_act():
        user = lock_user(user)
        had_password = user.has_usable_password()
        user.set_unusable_password()
        user.save(update_fields=["password"])
        _record(
            user,
            AccountEvent.ACCOUNT_PASSWORD_RESET,
            actor,
            had_password=had_password,
        )
        mails.send_password_reset(user, actor=actor, at=now)
        invitations.invite_person(actor=actor, user=user)
    return user


def _set_flag(
    *,
    actor: User,
    user: User,
    field: str,
    value: bool,
    kinds: tuple[AccountEvent, AccountEvent],
    notify: Callable[..., None],
) -> User:
    _check(actor=actor, user=user, on_self_allowed=False)
    now = timezone.now()
    with _mailed_act():
        user = lock_user(user)
        if getattr(user, field) == value:
            return user
        setattr(user, field, value)
        user.save(update_fields=[field])
        _record(user, kinds[0] if value else kinds[1], actor)
        notify(user, actor=actor, at=now, **{_NOTICE_ARG[field]: value})
    return user


_NOTICE_ARG = {"is_active": "active", "is_staff": "operator"}


def set_active(*, actor: User, user: User, active: bool) -> User:
    """Close or reopen an account. A closed account cannot log in and its open
    sessions end (Django refuses inactive users)."""
    return _set_flag(
        actor=actor,
        user=user,
        field="is_active",
        value=active,
        kinds=(AccountEvent.ACCOUNT_REACTIVATED, AccountEvent.ACCOUNT_DEACTIVATED),
        notify=mails.send_active_changed,
    )


def set_operator(*, actor: User, user: User, operator: bool) -> User:
    """Give or take away the operator flag (``is_staff``)."""
    return _set_flag(
        actor=actor,
        user=user,
        field="is_staff",
        value=operator,
        kinds=(
            AccountEvent.ACCOUNT_OPERATOR_GRANTED,
            AccountEvent.ACCOUNT_OPERATOR_REVOKED,
        ),
        notify=mails.send_operator_changed,
    )
