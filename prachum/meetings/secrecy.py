"""Secret meetings and items need a deployment declared in the Kingdom (R44)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from prachum.core.errors import ServiceError
from prachum.domain.security_standard import check_secret_hosting
from prachum.meetings.error_codes import MeetingError


def secret_meetings_allowed() -> bool:
    """Has the agency declared this deployment hosted and serviced in Thailand?"""
    return check_secret_hosting(
        hosting_country=settings.HOSTING_COUNTRY,
        service_country=settings.SERVICE_COUNTRY,
    ).allowed


def require_secret_hosting(*, is_secret: bool) -> None:
    """Refuse a secret meeting or item unless the deployment is declared in the Kingdom
    (MDES e-meeting security standard B.E. 2563, secret meetings; R44)."""
    if is_secret and not secret_meetings_allowed():
        raise ServiceError(
            MeetingError.SECRET_NOT_HOSTED_IN_KINGDOM,
            _(
                "A secret meeting needs a meeting system installed and serviced in "
                "Thailand; this system has not been declared so. Ask the system "
                "operator."
            ),
            field="is_secret",
        )
