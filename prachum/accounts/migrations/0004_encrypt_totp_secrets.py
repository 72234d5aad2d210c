"""Encrypt the TOTP secrets stored in plain text (issue 15, F4; ADR 0018).

The columns grow to hold ``fernet:<key id>:<token>``, every plain secret is encrypted
with the field key in force, and the fields become ``EncryptedCharField``. Reversible:
going back decrypts them into plain text again (with the keys still at hand).
"""

from typing import Any

from django.db import migrations, models

import prachum.core.secrets_at_rest

_FIELDS = ("totp_secret", "totp_pending_secret")


def _convert(apps: Any, *, forward: bool) -> None:
    from prachum.core import secrets_at_rest

    User = apps.get_model("accounts", "User")
    for user in User.objects.all().only("pk", *_FIELDS).iterator():
        changed = []
        for name in _FIELDS:
            value = getattr(user, name)
            if not value:
                continue
            encrypted = secrets_at_rest.stored_key_id(value) is not None
            if forward and not encrypted:
                setattr(user, name, secrets_at_rest.encrypt(value))
                changed.append(name)
            elif not forward and encrypted:
                setattr(user, name, secrets_at_rest.decrypt(value, what=f"User.{name}"))
                changed.append(name)
        if changed:
            user.save(update_fields=changed)


def encrypt_secrets(apps: Any, schema_editor: Any) -> None:
    _convert(apps, forward=True)


def decrypt_secrets(apps: Any, schema_editor: Any) -> None:
    _convert(apps, forward=False)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_invitation_and_enrolment_required"),
    ]

    operations = [
        # Plain text columns wide enough for the ciphertext, while the data moves.
        migrations.AlterField(
            model_name="user",
            name="totp_secret",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AlterField(
            model_name="user",
            name="totp_pending_secret",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets),
        migrations.AlterField(
            model_name="user",
            name="totp_secret",
            field=prachum.core.secrets_at_rest.EncryptedCharField(
                blank=True, max_length=255
            ),
        ),
        migrations.AlterField(
            model_name="user",
            name="totp_pending_secret",
            field=prachum.core.secrets_at_rest.EncryptedCharField(
                blank=True, max_length=255
            ),
        ),
    ]
