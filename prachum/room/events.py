"""Kinds of the evidence events the room app records (and the room events it publishes)."""

from __future__ import annotations

from prachum.core.events import EventKind


class RoomEvent(EventKind):
    MEETING_OPENED = "meeting.opened"
    MEETING_SUSPENDED = "meeting.suspended"
    MEETING_RESUMED = "meeting.resumed"
    MEETING_CLOSED = "meeting.closed"
    AGENDA_ITEM_STARTED = "agenda.item_started"
    FLOOR_HAND_RAISED = "floor.hand_raised"
    FLOOR_HAND_LOWERED = "floor.hand_lowered"
    FLOOR_GIVEN = "floor.given"
    FLOOR_ENDED = "floor.ended"
    ATTENDANCE_JOINED = "attendance.joined"
    ATTENDANCE_LEFT = "attendance.left"
    PARTICIPANT_IDENTITY_CONFIRMED = "participant.identity_confirmed"
    PARTICIPANT_ADMITTED = "participant.admitted"
    PARTICIPANT_REMOVED = "participant.removed"
    PARTICIPANT_READMITTED = "participant.readmitted"
    INCIDENT_RECORDED = "incident.recorded"
    INCIDENT_HANDLED = "incident.handled"
    MEDIA_PARTICIPANT_KICKED = "media.participant_kicked"
    MEDIA_PARTICIPANT_MUTED = "media.participant_muted"
    MEDIA_PRESENCE_CHANGED = "media.presence_changed"
    MEDIA_RECORDING_GAP = "media.recording_gap"
    MEDIA_RECORDING_RESUMED = "media.recording_resumed"
    MEDIA_RECORDING_STOPPED = "media.recording_stopped"
    MEDIA_ROOM_MUTED = "media.room_muted"
    MEDIA_ROOM_OPENED = "media.room_opened"
    MEDIA_ROOM_RESTORED = "media.room_restored"
    MEDIA_ROOM_UNMUTED = "media.room_unmuted"
    MEDIA_SERVER_DOWN = "media.server_down"
    MEDIA_UNMUTE_REQUESTED = "media.unmute_requested"
