"""Names of the session entries the login flow uses; other apps read only the first."""

from __future__ import annotations

# True once the person has passed both factors in this session (set after
# ``django.contrib.auth.login``). Other apps and consumers check this key.
SECOND_FACTOR_OK = "second_factor_ok"
# Between the password and the second factor: who is logging in and since when
# (POSIX seconds). The person is not logged in yet while these are set.
PENDING_USER_ID = "accounts_pending_user_id"
PENDING_SINCE = "accounts_pending_since"
# Where to go after the second factor (checked again before use).
NEXT_URL = "accounts_next"
# During a first-login enrolment: the person chose codes by e-mail as their factor.
ENROL_EMAIL = "accounts_enrol_email"
