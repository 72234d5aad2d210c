"""One-time codes: generation, keyed hashing and TOTP step matching (R14).

Codes are stored as HMAC-SHA256 under ``SECRET_KEY`` rather than with the password
hasher: they are short-lived or high-entropy, attempts are limited, and a keyed hash
lets a recovery code be found by its hash instead of trying every stored one.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import pyotp
from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

TOTP_ISSUER = "Prachum"
TOTP_VALID_WINDOW = 1
EMAIL_CODE_DIGITS = 6
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: recovery codes are copied by hand from paper.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 10
_HMAC_SALT = "prachum.accounts.otp"
# Marks the login-code mail so the offline demo can find it in the outbox folder.
LOGIN_CODE_HEADER = "X-Prachum-Message"
LOGIN_CODE_HEADER_VALUE = "login-code"


def new_email_code() -> str:
    """Six random decimal digits from the ``secrets`` module."""
    return f"{secrets.randbelow(10**EMAIL_CODE_DIGITS):0{EMAIL_CODE_DIGITS}d}"


def new_recovery_code() -> str:
    """Ten characters (about 49 bits), shown as ``xxxxx-xxxxx``."""
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalise_code(code: str) -> str:
    """Drop spaces and hyphens, lower-case: ``ABCDE FGHIJ`` equals ``abcde-fghij``."""
    return "".join(ch for ch in code.strip().lower() if ch not in " -\t")


def _secret_keys() -> list[str]:
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def hash_code(code: str, *, secret: str | None = None) -> str:
    """Keyed hash of a normalised code (``secret`` defaults to ``SECRET_KEY``)."""
    return salted_hmac(
        _HMAC_SALT, normalise_code(code), secret=secret, algorithm="sha256"
    ).hexdigest()


def candidate_hashes(code: str) -> list[str]:
    """The code's hash under ``SECRET_KEY`` and every fallback, for key rotation."""
    return [hash_code(code, secret=key) for key in _secret_keys()]


def code_matches(code: str, code_hash: str) -> bool:
    return any(constant_time_compare(h, code_hash) for h in candidate_hashes(code))


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(*, secret: str, account_name: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(
        name=account_name, issuer_name=TOTP_ISSUER
    )


def matching_totp_step(
    *, secret: str, code: str, at: datetime, after_step: int | None
) -> int | None:
    """Return the time-step whose code equals ``code``, or ``None``.

    Accepts the current step and ``TOTP_VALID_WINDOW`` steps either side (clock
    drift), but never a step at or before ``after_step``: that code was used already.
    """
    code = normalise_code(code)
    if not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(at)
    for step in range(current - TOTP_VALID_WINDOW, current + TOTP_VALID_WINDOW + 1):
        if after_step is not None and step <= after_step:
            continue
        if constant_time_compare(totp.generate_otp(step), code):
            return step
    return None
