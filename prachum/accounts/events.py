"""Kinds of the evidence events the accounts app records (and the room events it publishes)."""

from __future__ import annotations

from prachum.core.events import EventKind


class AccountEvent(EventKind):
    ACCOUNT_EMAIL_CODE_SENT = "account.email_code_sent"
    ACCOUNT_INVITATION_ACCEPTED = "account.invitation_accepted"
    ACCOUNT_INVITATION_REFUSED = "account.invitation_refused"
    ACCOUNT_INVITATION_SENT = "account.invitation_sent"
    ACCOUNT_LOCKED = "account.locked"
    ACCOUNT_LOGIN_FAILED = "account.login_failed"
    ACCOUNT_LOGIN_REFUSED = "account.login_refused"
    ACCOUNT_LOGIN_SUCCEEDED = "account.login_succeeded"
    ACCOUNT_RECOVERY_CODES_REGENERATED = "account.recovery_codes_regenerated"
    ACCOUNT_SECOND_FACTOR_CHANGED = "account.second_factor_changed"
    ACCOUNT_SECOND_FACTOR_ENROLLED = "account.second_factor_enrolled"
    ACCOUNT_SECOND_FACTOR_FAILED = "account.second_factor_failed"
    ACCOUNT_SECOND_FACTOR_REFUSED = "account.second_factor_refused"
    ACCOUNT_SECOND_FACTOR_RESET = "account.second_factor_reset"
    ACCOUNT_SECOND_FACTOR_VERIFIED = "account.second_factor_verified"
    ACCOUNT_TOTP_ENROLLED = "account.totp_enrolled"
    ACCOUNT_UNLOCKED = "account.unlocked"
