"""A caller's audio after it joined: a new AudioBridge leg after Janus restarted, and
audio the room could not hear (issue 17 points 3 and 5; R16, R42).

Each change is written with its evidence in the meeting's chain in one transaction,
and the quorum follows the audio (a caller counts with audio up, as anyone).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from prachum.attendance.models import IncidentKind
from prachum.evidence.services import append_event
from prachum.media import presence
from prachum.meetings.models import Meeting
from prachum.room.events import RoomEvent
from prachum.room.incidents import create_incident
from prachum.room.quorum import refresh_quorum
from prachum.room.state import commit_room_change, lock_room
from prachum.telephony.events import TelephonyEvent
from prachum.telephony.models import SipCall
from prachum.telephony.services import SIP_CHANNEL_PREFIX

#: The start of the description of audio the room could not hear; the law engine reads
#: ``MEDIA_LOST`` as a lost connection (``prachum.domain.incidents``).
MEDIA_LOST = "MEDIA_LOST"


def _presence_changed(
    meeting: Meeting, call: SipCall, *, up: bool, reason: str
) -> None:
    room = lock_room(meeting)
    commit_room_change(
        room,
        actor=None,
        kind=RoomEvent.MEDIA_PRESENCE_CHANGED,
        payload={
            "changes": [
                {
                    "user": str(call.user_id),
                    "audio_up": up,
                    "at": timezone.now().isoformat(),
                    "reason": reason,
                }
            ]
        },
        patch={"quorum": refresh_quorum(room, actor=None)},
    )


def caller_audio_lost(call: SipCall, *, reason: str = "sip_leg_lost") -> bool:
    """The caller's AudioBridge leg is gone (Janus restarted): audio down; True if
    it was up (the quorum is recomputed without it)."""
    with transaction.atomic():
        call = SipCall.objects.select_for_update().get(pk=call.pk)
        if call.meeting_id is None or call.user_id is None or call.ended_at:
            return False
        meeting = Meeting.objects.get(pk=call.meeting_id)
        closed = presence.stop_audio(
            meeting_id=meeting.pk,
            user_id=call.user_id,
            at=timezone.now(),
            reason=reason,
            server=call.media_server,
            handle_id=call.audio_participant,
        )
        if closed:
            _presence_changed(meeting, call, up=False, reason=reason)
    return bool(closed)


def caller_audio_restored(call: SipCall, *, participant_id: int, server: str) -> None:
    """The caller is back in the AudioBridge on a new leg: audio up again, in the
    chain with the new participant id (``sip.call_rejoined``)."""
    with transaction.atomic():
        call = SipCall.objects.select_for_update().get(pk=call.pk)
        if call.meeting_id is None or call.user_id is None or call.ended_at:
            return
        meeting = Meeting.objects.get(pk=call.meeting_id)
        now = timezone.now()
        presence.stop_audio(
            meeting_id=meeting.pk,
            user_id=call.user_id,
            at=now,
            reason="sip_leg_replaced",
            server=call.media_server,
            handle_id=call.audio_participant,
        )
        previous = call.audio_participant
        call.audio_participant = participant_id
        call.media_server = server[:100]
        call.save(update_fields=["audio_participant", "media_server"])
        presence.start_audio(
            meeting_id=meeting.pk,
            user_id=call.user_id,
            server=server,
            handle_id=participant_id,
            connection_key=f"{SIP_CHANNEL_PREFIX}{call.call_id}",
            at=now,
        )
        _presence_changed(meeting, call, up=True, reason="sip")
        append_event(
            chain_key=meeting.chain_key,
            kind=TelephonyEvent.SIP_CALL_REJOINED,
            actor=None,
            payload={
                "call": str(call.id),
                "previous_participant": previous,
                "audio_participant": participant_id,
                "media_server": server,
                "at": now.isoformat(),
            },
        )


def report_unheard_audio(call: SipCall, *, dropped: int, reason: str) -> None:
    """Audio of the caller that the room could not hear (e.g. G.711 packets of a size
    the mixer refuses): an incident the chair sees (R42), never silence unnoticed."""
    with transaction.atomic():
        call = SipCall.objects.get(pk=call.pk)
        if call.meeting_id is None:
            return
        meeting = Meeting.objects.get(pk=call.meeting_id)
        create_incident(
            meeting,
            kind=IncidentKind.OTHER,
            reported_by=None,
            subject=call.user,
            description=(
                f"{MEDIA_LOST}: sip:{call.call_id}: {dropped} audio packets "
                f"not heard ({reason}, codec {call.codec})"
            ),
        )
