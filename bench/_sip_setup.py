"""The database side of ``bench/sip.py``: a meeting the callers really join, and what
became of their calls.

Run by the bench as a subprocess inside the namespace, with the gateway's own
environment (``bench/sip.py: gateway_env``: SQLite in the run's folder, Janus in the
namespace), so it writes the database the gateway reads::

    python bench/_sip_setup.py seed 30     # JSON: meeting, dial code, one PIN per member
    python bench/_sip_setup.py calls <meeting id>   # JSON: calls, identified, open ...

``seed`` makes a committee of a chair and N members and an open electronic meeting
(notified, then opened by the chair through ``open_meeting``, its VideoRoom created
so the gateway bridges the callers to it), the meeting's dial code and every
member's personal PIN (``prachum.attendance.sip_access``). The members are not
identified: each one is, by the gateway, when their SIPp caller keys the PIN.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
USER_AGENT = "Prachum SIP bench"


def seed(members: int) -> dict[str, Any]:
    from django.utils import timezone

    from prachum.accounts.models import SecondFactorVerification, User
    from prachum.attendance.models import CheckMethod, IdentityCheck, LocationKind
    from prachum.attendance.sip_access import dial_code_for, pin_for
    from prachum.committees.models import Agency, Committee, Membership, Role
    from prachum.media.services import open_media_room
    from prachum.meetings.models import AgendaItem, Meeting, MeetingStatus
    from prachum.room import lifecycle as room_lifecycle

    agency = Agency.objects.create(name="SIP bench", letter_code="BENCH")
    committee = Committee.objects.create(
        agency=agency, name=f"SIP bench {members}", legal_basis="bench"
    )
    chair = User.objects.create(
        username="bench-chair", full_name="Bench Chair", password="!"
    )
    users = User.objects.bulk_create(
        User(
            username=f"bench-{i:03d}",
            email=f"bench-{i:03d}@bench.invalid",
            full_name=f"Caller {i:03d}",
            password="!",
        )
        for i in range(members)
    )
    Membership.objects.create(
        committee=committee, user=chair, role=Role.CHAIR, is_voting=True
    )
    Membership.objects.bulk_create(
        Membership(committee=committee, user=u, role=Role.MEMBER, is_voting=True)
        for u in users
    )
    starts = timezone.now() + dt.timedelta(minutes=5)
    meeting = Meeting.objects.create(
        committee=committee,
        number=1,
        buddhist_year=2569,
        title=f"SIP bench {members}",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        mode="electronic",
        status=MeetingStatus.NOTIFIED,
        created_by=chair,
    )
    for position in (100, 200):
        AgendaItem.objects.create(
            meeting=meeting, position=position, title=f"Item {position}"
        )
    now = timezone.now()
    SecondFactorVerification.objects.create(
        user=chair, method="totp", ip_address="127.0.0.1", user_agent=USER_AGENT
    )
    IdentityCheck.objects.create(
        meeting=meeting,
        user=chair,
        method=CheckMethod.SECOND_FACTOR,
        factor="totp",
        factors=2,
        second_factor_at=now,
        location=LocationKind.REMOTE,
        in_kingdom=True,
        device_ok=True,
        performed_by=chair,
        at=now,
        ip_address="127.0.0.1",
        user_agent=USER_AGENT,
    )
    room_lifecycle.open_meeting(
        actor=chair, meeting=meeting, without_quorum_reason="SIP bench"
    )
    media_room = open_media_room(meeting_id=str(meeting.pk), record=True)
    meeting.refresh_from_db()
    return {
        "meeting": str(meeting.pk),
        "status": meeting.status,
        "video_room": media_room.janus_room_id,
        "dial": dial_code_for(meeting),
        "pins": [pin_for(meeting, u) for u in users],
    }


def calls(meeting_id: str) -> dict[str, Any]:
    """The meeting's SIP calls as the gateway recorded them (``SipCall`` rows)."""
    from prachum.attendance.models import Connection
    from prachum.telephony.models import SipCall

    rows = list(SipCall.objects.filter(meeting_id=meeting_id))
    reasons: dict[str, int] = {}
    for row in rows:
        if row.ended_at is not None:
            reasons[row.end_reason] = reasons.get(row.end_reason, 0) + 1
    return {
        "calls": len(rows),
        "identified": sum(1 for r in rows if r.identified_at is not None),
        "distinct_members": len({r.user_id for r in rows if r.user_id}),
        "ended": sum(1 for r in rows if r.ended_at is not None),
        "end_reasons": reasons,
        "open_sip_connections": Connection.objects.filter(
            meeting_id=meeting_id,
            channel_name__startswith="sip:",
            disconnected_at__isnull=True,
        ).count(),
    }


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    command, argument = sys.argv[1], sys.argv[2]
    if command == "seed":
        result = seed(int(argument))
    elif command == "calls":
        result = calls(argument)
    else:
        raise SystemExit(f"unknown command {command!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
