"""Who may take part in a meeting and where from: the rules an identity check applies.

The checks themselves are recorded by the room's services
(:mod:`prachum.room.participants`), under the room lock, with the quorum they change.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from prachum.attendance.error_codes import AttendanceError
from prachum.attendance.models import LocationKind, Removal
from prachum.committees.models import Membership
from prachum.core.errors import CoreError, PermissionDeniedError, ServiceError
from prachum.domain.regimes import regime_on
from prachum.meetings.models import Meeting, MeetingMode, MeetingStatus

ENTERABLE = frozenset(
    {MeetingStatus.NOTIFIED, MeetingStatus.OPEN, MeetingStatus.SUSPENDED}
)


def validate_location(
    meeting: Meeting, location: str, room: str, in_kingdom: bool | None
) -> str:
    if location not in LocationKind.values:
        raise ServiceError(
            AttendanceError.BAD_LOCATION,
            _("Say where you are: in the meeting room or remote."),
            field="location",
        )
    if location == LocationKind.IN_ROOM:
        if meeting.mode == MeetingMode.ELECTRONIC or not meeting.venue:
            raise ServiceError(
                AttendanceError.NO_ROOM,
                _("This meeting has no meeting room; choose remote."),
                field="location",
            )
        room = meeting.venue
    else:
        room = ""
        if meeting.mode == MeetingMode.IN_ROOM:
            raise ServiceError(
                AttendanceError.ROOM_ONLY,
                _("This meeting is held in the room only."),
                field="location",
            )
    regime = regime_on(timezone.localtime(meeting.starts_at).date())
    if regime.everyone_in_kingdom and in_kingdom is not True:
        raise ServiceError(
            AttendanceError.LEGACY_OUTSIDE_KINGDOM,
            _(
                "Under NCPO Announcement 74/2557 every participant must be in the Kingdom."
            ),
            field="in_kingdom",
        )
    return room


def require_enterable(meeting: Meeting, user: Any) -> Membership:
    meeting.refresh_from_db(fields=["status"])  # callers may hold an older copy
    membership = Membership.objects.filter(
        committee=meeting.committee, user=user
    ).first()
    if membership is None:
        raise PermissionDeniedError(
            CoreError.NOT_PARTICIPANT, _("You are not a participant of this meeting.")
        )
    if meeting.status not in ENTERABLE:
        raise ServiceError(
            AttendanceError.ROOM_NOT_AVAILABLE,
            _("The meeting room is not open for this meeting."),
        )
    if Removal.objects.filter(
        meeting=meeting, user=user, readmitted_at__isnull=True
    ).exists():
        raise PermissionDeniedError(
            AttendanceError.REMOVED, _("The chair removed you from this meeting.")
        )
    return membership
