"""People and their second factors (R14)."""

from __future__ import annotations

import uuid
from typing import ClassVar, Self

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from prachum.core.secrets_at_rest import EncryptedCharField


class SecondFactor(models.TextChoices):
    TOTP = "totp", _("Authenticator app (TOTP)")
    EMAIL = "email", _("One-time code by e-mail")


class User(AbstractUser):
    """A person who may take part in meetings. ``username`` is the login name."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(_("e-mail"), unique=True)
    # Honorific (คำนำหน้า), e.g. "Mr." or "Dr.", written before the full name.
    title = models.CharField(
        pgettext_lazy("name prefix such as Mr. or Dr.", "title"),
        max_length=50,
        blank=True,
    )
    full_name = models.CharField(_("full name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    second_factor = models.CharField(
        _("second factor"),
        max_length=10,
        choices=SecondFactor.choices,
        default=SecondFactor.EMAIL,
    )
    # Encrypted with the field key (prachum/core/secrets_at_rest.py, issue 15 F4):
    # Python sees the secret, the database only its ciphertext.
    totp_secret = EncryptedCharField(blank=True)
    totp_confirmed_at = models.DateTimeField(null=True, blank=True)
    # A secret shown during enrolment; it becomes ``totp_secret`` once a code from it
    # is confirmed, so a half-finished enrolment never locks the person out.
    totp_pending_secret = EncryptedCharField(blank=True)
    # The last TOTP time-step accepted; a code of that step or earlier is a replay.
    totp_last_step = models.BigIntegerField(null=True, blank=True)
    failed_logins = models.PositiveIntegerField(default=0)
    # Second-factor failures since the last complete login. A correct password alone
    # clears password failures but not these, so re-entering the password cannot be
    # used to reset the count while guessing codes.
    failed_second_factors = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    # Set for a person invited by mail and after an operator resets the second
    # factor: the next login must enrol a factor before the person gets in.
    second_factor_enrolment_required = models.BooleanField(default=False)

    objects: ClassVar[UserManager[Self]] = UserManager()

    REQUIRED_FIELDS = ["email", "full_name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return f"{self.title}{self.full_name}".strip() or self.username


class RecoveryCode(models.Model):
    """A single-use code for when the authenticator app is lost; stored hashed."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=128)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "code_hash"])]

    def __str__(self) -> str:
        return f"recovery code #{self.pk} of {self.user_id}"


class EmailCode(models.Model):
    """A one-time login code sent by e-mail; stored hashed, short-lived, single-use."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_codes")
    code_hash = models.CharField(max_length=128)
    purpose = models.CharField(max_length=20, default="login")
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"e-mail code #{self.pk} of {self.user_id}"


class SecondFactorVerification(models.Model):
    """When a user last proved the second factor, and how (identity checks reuse it)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="verifications"
    )
    method = models.CharField(max_length=20)
    at = models.DateTimeField(auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-at"])]

    def __str__(self) -> str:
        return f"{self.method} by {self.user_id} at {self.at.isoformat()}"


class Invitation(models.Model):
    """A one-time link to set a password, mailed to a new person (R14).

    Only a keyed hash of the link's token is stored. The link expires after
    ``ACCOUNT_INVITATION_DAYS``, works once, and a newer invitation revokes it.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=128, unique=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"invitation #{self.pk} of {self.user_id}"


class LoginThrottle(models.Model):
    """Wrong passwords counted for one scope (ADR "login throttling", issue 15 F6).

    A scope is a typed name from one address, one address (an IPv6 /64), or a typed
    name from everywhere. ``key`` and ``name_key`` are keyed hashes: neither typed
    names (which may not exist, or be a mistyped password) nor addresses are stored.
    ``score`` leaks away with time (see :mod:`prachum.accounts.throttle`).
    """

    key = models.CharField(max_length=64, unique=True)
    name_key = models.CharField(max_length=64, blank=True, db_index=True)
    score = models.FloatField(default=0)
    updated_at = models.DateTimeField()
    held_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"login throttle {self.key[:12]}"
