"""TOTP secrets are stored encrypted with a field key, and the key rotates (issue 15, F4)."""

from __future__ import annotations

import importlib
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pyotp
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import Client
from django.urls import reverse

from prachum.accounts import factors
from prachum.accounts.events import AccountEvent
from prachum.accounts.evidence import chain_key
from prachum.accounts.key_rotation import reencrypt_stored_secrets, stored_key_ids
from prachum.accounts.models import User
from prachum.core import secrets_at_rest
from prachum.core.errors import PermissionDeniedError
from prachum.evidence.selectors import list_events
from tests.accounts.conftest import PASSWORD, UserFactory, enrol_totp

pytestmark = pytest.mark.django_db

FIXED_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _stored(user: User) -> tuple[str, str]:
    """The two secret columns as the database holds them (raw SQL, no ORM field)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT totp_secret, totp_pending_secret FROM accounts_user "
            "WHERE username = %s",
            [user.username],
        )
        row = cursor.fetchone()
    assert row is not None
    return row[0], row[1]


def _keys_file(settings: Any) -> Path:
    return Path(settings.FIELD_ENCRYPTION_KEYS_FILE)


def test_f4_the_database_never_holds_the_plain_totp_secret(user: User) -> None:
    uri = factors.begin_totp_enrolment(user=user)
    pending = pyotp.parse_uri(uri)
    _, stored_pending = _stored(user)
    assert stored_pending
    assert pending.secret not in stored_pending
    assert stored_pending.startswith("fernet:")

    factors.confirm_totp_enrolment(user=user, code=pending.now())
    user.refresh_from_db()
    stored_secret, stored_pending = _stored(user)
    assert user.totp_secret == pending.secret
    assert pending.secret not in stored_secret
    assert stored_secret.startswith("fernet:")
    assert stored_pending == ""


def test_f4_a_secret_set_directly_as_the_test_factories_do_is_encrypted(
    db: None,
) -> None:
    person = UserFactory(totp_secret=FIXED_SECRET)
    person.save()
    assert FIXED_SECRET not in _stored(person)[0]
    person.refresh_from_db()
    assert person.totp_secret == FIXED_SECRET
    # The empty value stays empty, so "has no authenticator" is still a plain query.
    assert User.objects.filter(totp_secret="").exclude(pk=person.pk).exists() is False


def test_f4_login_with_an_authenticator_code_still_works(
    client: Client, user: User, now: Any, time_machine: Any
) -> None:
    user, totp, _ = enrol_totp(user)
    time_machine.shift(timedelta(seconds=30))
    client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
    )
    client.post(
        reverse("accounts:second_factor"), {"method": "totp", "code": totp.now()}
    )
    assert client.session.get("_auth_user_id") == str(user.pk)
    assert client.session.get("second_factor_ok") is True


def test_f4_during_a_rotation_old_ciphertexts_still_decrypt(settings: Any) -> None:
    path = _keys_file(settings)
    old, new = secrets_at_rest.new_key(), secrets_at_rest.new_key()
    secrets_at_rest.write_keys_file(path, [old])
    under_old = secrets_at_rest.encrypt("SECRET")
    secrets_at_rest.write_keys_file(path, [new, old])
    assert secrets_at_rest.decrypt(under_old) == "SECRET"
    under_new = secrets_at_rest.encrypt("SECRET")
    assert secrets_at_rest.stored_key_id(under_old) == secrets_at_rest.key_id(old)
    assert secrets_at_rest.stored_key_id(under_new) == secrets_at_rest.key_id(new)


def test_f4_rotate_field_key_reencrypts_every_secret_and_records_it(
    user: User, operator: Any, settings: Any, now: Any, time_machine: Any
) -> None:
    user, totp, _ = enrol_totp(user)
    pending_only = UserFactory()
    factors.begin_totp_enrolment(user=pending_only)
    nobody = UserFactory()
    old_ids = secrets_at_rest.keyring().ids
    before = _stored(user)[0]

    out = StringIO()
    call_command("rotate_field_key", "--actor", operator.username, stdout=out)

    ring = secrets_at_rest.keyring()
    assert len(ring.keys) == 1
    assert ring.primary_id not in old_ids
    after = _stored(user)[0]
    assert after != before
    assert secrets_at_rest.stored_key_id(after) == ring.primary_id
    assert secrets_at_rest.stored_key_id(_stored(pending_only)[1]) == ring.primary_id
    assert "2 people" in out.getvalue()
    # The person still logs in with the same authenticator app.
    user.refresh_from_db()
    assert user.totp_secret == totp.secret
    events = list(
        list_events(chain_key=chain_key(user)).filter(
            kind=AccountEvent.ACCOUNT_SECRET_REENCRYPTED
        )
    )
    assert len(events) == 1
    assert events[0].actor == operator
    assert events[0].payload == {
        "by": str(operator.pk),
        "from_keys": old_ids,
        "to_key": ring.primary_id,
    }
    assert not list_events(chain_key=chain_key(nobody)).exists()
    # Nothing is left under an old key: re-encrypting again moves nobody.
    assert reencrypt_stored_secrets(actor=operator) == 0
    assert stored_key_ids() == {ring.primary_id: 2}


def test_f4_rotate_field_key_can_keep_the_old_keys(
    user: User, operator: Any, now: Any
) -> None:
    enrol_totp(user)
    old = secrets_at_rest.keyring().keys
    call_command(
        "rotate_field_key",
        "--actor",
        operator.username,
        "--keep-old-keys",
        stdout=StringIO(),
    )
    assert secrets_at_rest.keyring().keys[1:] == old


def test_f4_rotate_field_key_needs_an_operator(user: User, member: Any) -> None:
    with pytest.raises(CommandError, match="--actor"):
        call_command("rotate_field_key", stdout=StringIO())
    with pytest.raises(CommandError, match="not an active operator"):
        call_command("rotate_field_key", "--actor", member.username)


def test_f4_a_wrong_key_gives_a_clear_error_not_a_silent_failure(
    user: User, settings: Any, now: Any
) -> None:
    enrol_totp(user)
    lost = secrets_at_rest.keyring().primary_id
    secrets_at_rest.write_keys_file(_keys_file(settings), [secrets_at_rest.new_key()])
    with pytest.raises(secrets_at_rest.FieldKeyError) as info:
        User.objects.get(pk=user.pk)
    message = str(info.value)
    assert "User.totp_secret" in message
    assert lost in message
    assert "restore" in message


def test_f4_a_key_under_the_same_id_that_does_not_decrypt_is_an_error(
    settings: Any,
) -> None:
    stored = secrets_at_rest.encrypt("SECRET")
    prefix, key, token = stored.split(":", 2)
    altered = f"{prefix}:{key}:{token[:-4]}AAAA"
    with pytest.raises(secrets_at_rest.FieldKeyError, match="altered"):
        secrets_at_rest.decrypt(altered)
    with pytest.raises(secrets_at_rest.FieldKeyError, match="not encrypted"):
        secrets_at_rest.decrypt(FIXED_SECRET)


def test_f4_keys_from_the_environment_must_be_fernet_keys(settings: Any) -> None:
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"):
        secrets_at_rest.encrypt("SECRET")
    key = secrets_at_rest.new_key()
    settings.FIELD_ENCRYPTION_KEYS = [key]
    stored = secrets_at_rest.encrypt("SECRET")
    assert secrets_at_rest.stored_key_id(stored) == secrets_at_rest.key_id(key)
    assert not _keys_file(settings).exists()


def test_f4_the_key_file_is_made_private_on_first_use(settings: Any) -> None:
    secrets_at_rest.encrypt("SECRET")
    path = _keys_file(settings)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700


def test_f4_a_rotation_that_cannot_read_a_secret_changes_nothing(
    user: User, operator: Any, settings: Any, now: Any
) -> None:
    enrol_totp(user)
    before = _stored(user)
    stranger = secrets_at_rest.new_key()
    secrets_at_rest.write_keys_file(_keys_file(settings), [stranger])
    with pytest.raises(CommandError, match="Nothing was re-encrypted"):
        call_command("rotate_field_key", "--actor", operator.username)
    assert _stored(user) == before
    # The keys it had are kept, behind the new one.
    assert secrets_at_rest.keyring().keys[1:] == (stranger,)


def test_f4_only_an_operator_reencrypts(user: User, member: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        reencrypt_stored_secrets(actor=member)


def test_f4_the_migration_encrypts_plain_secrets_and_can_undo_it(
    user: User,
) -> None:
    migration = importlib.import_module(
        "prachum.accounts.migrations.0004_encrypt_totp_secrets"
    )
    before = MigrationLoader(connection).project_state(
        ("accounts", "0003_invitation_and_enrolment_required")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_user SET totp_secret = %s WHERE username = %s",
            [FIXED_SECRET, user.username],
        )
    migration.encrypt_secrets(before.apps, None)
    assert FIXED_SECRET not in _stored(user)[0]
    user.refresh_from_db()
    assert user.totp_secret == FIXED_SECRET
    # Running it again leaves encrypted values alone.
    stored = _stored(user)
    migration.encrypt_secrets(before.apps, None)
    assert _stored(user) == stored

    migration.decrypt_secrets(before.apps, None)
    assert _stored(user)[0] == FIXED_SECRET
