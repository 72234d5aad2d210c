"""Kinds of the evidence events the accounts app records (and the room events it publishes)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from prachum.core.events import EventKind


class AccountEvent(EventKind):
    ACCOUNT_EMAIL_CODE_SENT = "account.email_code_sent", _("Log-in code sent by e-mail")
    ACCOUNT_LOCKED = "account.locked", _("Account locked")
    ACCOUNT_LOGIN_FAILED = "account.login_failed", _("Log-in failed")
    ACCOUNT_LOGIN_REFUSED = "account.login_refused", _("Log-in refused")
    ACCOUNT_LOGIN_SUCCEEDED = "account.login_succeeded", _("Logged in")
    ACCOUNT_RECOVERY_CODES_REGENERATED = (
        "account.recovery_codes_regenerated",
        _("Recovery codes issued again"),
    )
    ACCOUNT_SECOND_FACTOR_CHANGED = (
        "account.second_factor_changed",
        _("Second factor changed"),
    )
    ACCOUNT_SECOND_FACTOR_FAILED = (
        "account.second_factor_failed",
        _("Second factor failed"),
    )
    ACCOUNT_SECOND_FACTOR_REFUSED = (
        "account.second_factor_refused",
        _("Second factor refused"),
    )
    ACCOUNT_SECOND_FACTOR_VERIFIED = (
        "account.second_factor_verified",
        _("Second factor verified"),
    )
    ACCOUNT_TOTP_ENROLLED = "account.totp_enrolled", _("Authenticator app enrolled")
    ACCOUNT_UNLOCKED = "account.unlocked", _("Account unlocked")
    ACCOUNT_INVITATION_ACCEPTED = (
        "account.invitation_accepted",
        _("Invitation accepted: password set"),
    )
    ACCOUNT_INVITATION_REFUSED = (
        "account.invitation_refused",
        _("Invitation link refused"),
    )
    ACCOUNT_INVITATION_SENT = "account.invitation_sent", _("Invitation sent")
    ACCOUNT_SECOND_FACTOR_ENROLLED = (
        "account.second_factor_enrolled",
        _("Second factor enrolled"),
    )
    ACCOUNT_SECOND_FACTOR_RESET = (
        "account.second_factor_reset",
        _("Second factor reset by an operator"),
    )
    ACCOUNT_EMAIL_CHANGED = (
        "account.email_changed",
        _("E-mail address changed by an operator"),
    )
    ACCOUNT_PASSWORD_RESET = (
        "account.password_reset",
        _("Password reset by an operator"),
    )
    ACCOUNT_DEACTIVATED = (
        "account.deactivated",
        _("Account deactivated by an operator"),
    )
    ACCOUNT_REACTIVATED = (
        "account.reactivated",
        _("Account reactivated by an operator"),
    )
    ACCOUNT_OPERATOR_GRANTED = (
        "account.operator_granted",
        _("Made a system operator"),
    )
    ACCOUNT_OPERATOR_REVOKED = (
        "account.operator_revoked",
        _("No longer a system operator"),
    )
    ACCOUNT_SECRET_REENCRYPTED = (
        "account.secret_reencrypted",
        _("Authenticator secret re-encrypted with a new key"),
    )
