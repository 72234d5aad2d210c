"""How a SIP caller reaches a meeting and proves who they are (issue 17; R13, R14, R45).

A meeting has a dial code (the user part of ``sip:<code>@SIP_DOMAIN``, or keyed in
at the gateway's prompt); each member has a personal PIN for that meeting only, made
at random (``secrets``), stored encrypted (ADR 0018) and found by a keyed hash. Both
work only while the meeting can be entered (notified, open, suspended).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import CharField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from prachum.attendance.identity import ENTERABLE
from prachum.attendance.models import MeetingDialCode, SipPin
from prachum.committees.models import Membership
from prachum.core import secrets_at_rest
from prachum.core.errors import CoreError, PermissionDeniedError
from prachum.meetings.models import Meeting, MeetingStatus

PIN_DIGITS = 6
DIAL_CODE_DIGITS = 6
_TRIES = 50
# Codes held by meetings that may still be entered (not reused while one is live).
_HOLDING = frozenset({MeetingStatus.DRAFT, *ENTERABLE})


def _random_digits(count: int) -> str:
    return "".join(secrets.choice("0123456789") for _digit in range(count))


def pin_hash(meeting_id: Any, pin: str) -> str:
    """The keyed hash a PIN is found by (HMAC-SHA256 under the site's secret key)."""
    return salted_hmac(
        "prachum.attendance.sip_pin", f"{meeting_id}:{pin}", algorithm="sha256"
    ).hexdigest()


def dial_code_for(meeting: Meeting) -> str:
    """The meeting's dial code, made on first use (digits no live meeting holds)."""
    existing = MeetingDialCode.objects.filter(meeting=meeting).first()
    if existing is not None:
        return existing.digits
    for _attempt in range(_TRIES):
        digits = _random_digits(DIAL_CODE_DIGITS)
        if digits.startswith("0"):
            continue  # a leading zero is dropped by some dial plans
        if MeetingDialCode.objects.filter(
            digits=digits, meeting__status__in=_HOLDING
        ).exists():
            continue
        try:
            with transaction.atomic():
                code, _created = MeetingDialCode.objects.get_or_create(
                    meeting=meeting,
                    defaults={"digits": digits, "created_at": timezone.now()},
                )
        except IntegrityError:
            code = MeetingDialCode.objects.get(meeting=meeting)
        return code.digits
    raise RuntimeError("no free dial code")  # pragma: no cover - 900,000 codes


def meeting_by_dial_code(code: str) -> Meeting | None:
    """The enterable meeting with this dial code, or ``None``."""
    code = (code or "").strip()
    if not code.isdigit():
        return None
    found = (
        MeetingDialCode.objects.filter(digits=code, meeting__status__in=ENTERABLE)
        .select_related("meeting")
        .order_by("-created_at")
        .first()
    )
    return found.meeting if found is not None else None


def pin_for(meeting: Meeting, user: Any) -> str:
    """The member's personal PIN for this meeting, made on first use."""
    if not Membership.objects.filter(committee=meeting.committee, user=user).exists():
        raise PermissionDeniedError(
            CoreError.NOT_PARTICIPANT, _("You are not a participant of this meeting.")
        )
    existing = SipPin.objects.filter(meeting=meeting, user=user).first()
    if existing is not None:
        return str(existing.pin)
    for _attempt in range(_TRIES):
        pin = _random_digits(PIN_DIGITS)
        try:
            with transaction.atomic():
                SipPin.objects.create(
                    meeting=meeting,
                    user=user,
                    pin=pin,
                    pin_hash=pin_hash(meeting.pk, pin),
                    created_at=timezone.now(),
                )
            return pin
        except IntegrityError:
            existing = SipPin.objects.filter(meeting=meeting, user=user).first()
            if existing is not None:  # made concurrently
                return str(existing.pin)
            # the same digits as another member's: draw again
    raise RuntimeError("no free PIN")  # pragma: no cover


def member_by_pin(meeting: Meeting, pin: str) -> Any | None:
    """The member whose PIN for this meeting this is, while it can be entered."""
    pin = (pin or "").strip()
    if len(pin) != PIN_DIGITS or not pin.isdigit():
        return None
    meeting.refresh_from_db(fields=["status"])
    if meeting.status not in ENTERABLE:
        return None
    found = (
        SipPin.objects.filter(meeting=meeting, pin_hash=pin_hash(meeting.pk, pin))
        .select_related("user")
        .first()
    )
    return found.user if found is not None else None


def sip_address(meeting: Meeting) -> str:
    """``sip:<dial code>@<SIP_DOMAIN>``: what a room system or telephone dials."""
    return f"sip:{dial_code_for(meeting)}@{settings.SIP_DOMAIN}"


def dial_in_for(meeting: Meeting, user: Any) -> dict[str, str] | None:
    """What a member needs to join by telephone or room system (their own PIN), or
    ``None`` when SIP is off or the person takes no part in the meeting."""
    if not settings.SIP_ENABLED:
        return None
    if not Membership.objects.filter(committee=meeting.committee, user=user).exists():
        return None
    return {
        "address": sip_address(meeting),
        "code": dial_code_for(meeting),
        "pin": pin_for(meeting, user),
    }


def dial_in_paragraph(meeting: Meeting, user: Any) -> str:
    """The notice's paragraph for one recipient (the notice is written in Thai, as
    the letter is); empty when SIP is off."""
    found = dial_in_for(meeting, user)
    if found is None:
        return ""
    return (
        "เข้าร่วมทางโทรศัพท์ / ห้องประชุมวิดีโอ: "
        f"โทรไปที่ {found['address']} หรือกดรหัสห้องประชุม {found['code']} "
        f"แล้วกดรหัสประจำตัวของท่าน {found['pin']} "
        "(ใช้ได้เฉพาะการประชุมครั้งนี้ โปรดอย่าเปิดเผยแก่ผู้อื่น)"
    )


def reencrypt_pins() -> int:
    """Encrypt every PIN not under the newest field key again (``rotate_field_key``,
    ADR 0018); how many. One transaction: a PIN that cannot be read changes nothing."""
    primary = secrets_at_rest.keyring().primary_id
    with transaction.atomic():
        stale = [
            pk
            for pk, raw in SipPin.objects.annotate(
                raw_pin=Cast("pin", CharField())
            ).values_list("pk", "raw_pin")
            if secrets_at_rest.stored_key_id(str(raw)) != primary
        ]
        for row in SipPin.objects.select_for_update().filter(pk__in=stale):
            row.save(
                update_fields=["pin"]
            )  # read with the old key, saved under the new
    return len(stale)
