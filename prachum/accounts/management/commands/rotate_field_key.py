"""Rotate the field key that encrypts the TOTP secrets (issue 15, F4; ADR 0018).

With the key file (the default ``var/secrets/field-keys``): a new key is written in
front of the old ones, every secret is encrypted again under it in one transaction,
and only then are the old keys dropped (``--keep-old-keys`` keeps them). A failure at
any point leaves secrets that the keys in the file still read; run the command again.

With ``FIELD_ENCRYPTION_KEYS`` in the environment the command cannot change the keys:
put a new key (``--new-key`` prints one) first in the list, keep the old ones, restart,
run this command, then remove the old keys and restart again.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from prachum.accounts.key_rotation import reencrypt_stored_secrets, stored_key_ids
from prachum.attendance.sip_access import reencrypt_pins
from prachum.core import secrets_at_rest


class Command(BaseCommand):
    help = (
        "Encrypt every stored TOTP secret under a new field key, then drop the old "
        "key. Needs --actor, an operator's username (recorded in each person's "
        "evidence chain)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--actor", help="Username of the operator (staff).")
        parser.add_argument(
            "--keep-old-keys",
            action="store_true",
            help="Keep the old keys in the key file after re-encrypting.",
        )
        parser.add_argument(
            "--new-key",
            action="store_true",
            help="Only print a new key (for FIELD_ENCRYPTION_KEYS) and stop.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            self.stdout.write(secrets_at_rest.new_key())
            return
        actor = self._actor(options["actor"])
        if settings.FIELD_ENCRYPTION_KEYS:
            self._rotate_environment(actor)
        else:
            self._rotate_file(actor, keep_old=bool(options["keep_old_keys"]))

    def _actor(self, username: str | None) -> Any:
        if not username:
            raise CommandError("--actor USERNAME (an operator account) is required.")
        user = get_user_model().objects.filter(username=username).first()
        if user is None or not (user.is_staff and user.is_active):
            raise CommandError(f"{username} is not an active operator (staff) account.")
        return user

    def _reencrypt(self, actor: Any) -> int:
        try:
            people = reencrypt_stored_secrets(actor=actor)
            reencrypt_pins()  # members' SIP PINs (issue 17)
            return people
        except secrets_at_rest.FieldKeyError as exc:
            raise CommandError(f"Nothing was re-encrypted: {exc}") from exc

    def _rotate_environment(self, actor: Any) -> None:
        ring = secrets_at_rest.keyring()
        if len(ring.keys) < 2:
            raise CommandError(
                "FIELD_ENCRYPTION_KEYS holds one key: put a new key first "
                "(rotate_field_key --new-key prints one), keep the old one after it, "
                "restart Prachum and run this command again."
            )
        people = self._reencrypt(actor)
        self.stdout.write(
            f"{people} people's secrets re-encrypted under key {ring.primary_id}. "
            f"Remove key(s) {', '.join(ring.ids[1:])} from FIELD_ENCRYPTION_KEYS "
            "and restart."
        )

    def _rotate_file(self, actor: Any, *, keep_old: bool) -> None:
        ring = secrets_at_rest.keyring()
        path = secrets_at_rest.keys_file()
        key = secrets_at_rest.new_key()
        # The new key first, the old ones kept until every secret has moved.
        secrets_at_rest.write_keys_file(path, [key, *ring.keys])
        people = self._reencrypt(actor)
        new_id = secrets_at_rest.key_id(key)
        left = {k: n for k, n in stored_key_ids().items() if k != new_id}
        if left:
            raise CommandError(
                f"Secrets still under key(s) {sorted(left)}: the old keys stay in "
                f"{path}; run the command again."
            )
        if not keep_old:
            secrets_at_rest.write_keys_file(path, [key])
        self.stdout.write(
            f"{people} people's secrets re-encrypted under key {new_id} in {path}; "
            + (
                f"old key(s) {', '.join(ring.ids)} kept."
                if keep_old
                else f"old key(s) {', '.join(ring.ids)} removed (keep a copy with "
                "database backups made before today)."
            )
        )
