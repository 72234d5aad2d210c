"""Kinds of the evidence events the room app records (and the room events it publishes)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from prachum.core.events import EventKind


class RoomEvent(EventKind):
    MEETING_OPENED = "meeting.opened", _("Meeting opened")
    MEETING_SUSPENDED = "meeting.suspended", _("Meeting suspended")
    MEETING_RESUMED = "meeting.resumed", _("Meeting resumed")
    MEETING_CLOSED = "meeting.closed", _("Meeting closed")
    AGENDA_ITEM_STARTED = "agenda.item_started", _("Agenda item taken up")
    FLOOR_HAND_RAISED = "floor.hand_raised", _("Hand raised")
    FLOOR_HAND_LOWERED = "floor.hand_lowered", _("Hand lowered")
    FLOOR_GIVEN = "floor.given", _("Floor given")
    FLOOR_ENDED = "floor.ended", _("Floor ended")
    ATTENDANCE_JOINED = "attendance.joined", _("Joined the meeting")
    ATTENDANCE_LEFT = "attendance.left", _("Left the meeting")
    PARTICIPANT_IDENTITY_CONFIRMED = (
        "participant.identity_confirmed",
        _("Identity confirmed"),
    )
    PARTICIPANT_ADMITTED = "participant.admitted", _("Participant admitted")
    PARTICIPANT_REMOVED = "participant.removed", _("Participant removed")
    PARTICIPANT_READMITTED = "participant.readmitted", _("Participant readmitted")
    INCIDENT_RECORDED = "incident.recorded", _("Incident recorded")
    INCIDENT_HANDLED = "incident.handled", _("Incident handled")
    MEDIA_PARTICIPANT_KICKED = (
        "media.participant_kicked",
        _("Removed from the audio and video"),
    )
    MEDIA_PARTICIPANT_MUTED = "media.participant_muted", _("Microphone muted")
    MEDIA_PRESENCE_CHANGED = (
        "media.presence_changed",
        _("Audio and video presence changed"),
    )
    MEDIA_RECORDING_GAP = "media.recording_gap", _("Gap in the recording")
    MEDIA_RECORDING_RESUMED = "media.recording_resumed", _("Recording resumed")
    MEDIA_RECORDING_STOPPED = "media.recording_stopped", _("Recording stopped")
    MEDIA_ROOM_MUTED = "media.room_muted", _("Everyone muted")
    MEDIA_ROOM_OPENED = "media.room_opened", _("Audio and video room opened")
    MEDIA_ROOM_RESTORED = "media.room_restored", _("Audio and video room restored")
    MEDIA_ROOM_UNMUTED = "media.room_unmuted", _("Microphones allowed")
    MEDIA_SERVER_DOWN = "media.server_down", _("Audio and video server down")
    MEDIA_UNMUTE_REQUESTED = "media.unmute_requested", _("Asked to unmute")
