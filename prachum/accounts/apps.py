from typing import Any

from django.apps import AppConfig


def _on_person_created(*, actor: Any, user: Any, **_: Any) -> None:
    from django.db import transaction

    from prachum.accounts.invitations import invite_quietly

    # After the commit: the invitation is sent only if the person really exists,
    # and a mail failure does not undo the roster.
    transaction.on_commit(lambda: invite_quietly(actor=actor, user=user))


def _on_member_linked(
    *, actor: Any, user: Any, committee: str, role: Any, **_: Any
) -> None:
    from django.db import transaction

    from prachum.accounts.mails import tell_quietly_added_to_committee

    # The owner of the address learns they were put on a roster (issue 15 F11).
    transaction.on_commit(
        lambda: tell_quietly_added_to_committee(
            user, actor=actor, committee=committee, role=role
        )
    )


class AccountsConfig(AppConfig):
    name = "prachum.accounts"
    label = "accounts"

    def ready(self) -> None:
        from prachum.accounts import checks  # noqa: F401  (registers the checks)
        from prachum.core.signals import member_linked, person_created

        person_created.connect(
            _on_person_created, dispatch_uid="accounts.invite_new_person"
        )
        member_linked.connect(
            _on_member_linked, dispatch_uid="accounts.tell_member_linked"
        )
