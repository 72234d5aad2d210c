"""The chair's media controls (R18) and the join answer for the browser (ADR 0011).

Each control acts server side in Janus and is recorded in the evidence chain.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from prachum.attendance import policies
from prachum.committees.models import Membership, Role
from prachum.core.actors import Actor
from prachum.core.errors import CoreError, PermissionDeniedError, ServiceError
from prachum.core.events import publish_on_commit
from prachum.media import services as media
from prachum.media.loader import get_media_server
from prachum.media.protocol import MediaError
from prachum.media.tokens import make_opaque_id, signed_nonce
from prachum.meetings.models import Meeting, MeetingMode
from prachum.room import callers
from prachum.room.error_codes import RoomError
from prachum.room.events import RoomEvent
from prachum.room.facts import may_enter
from prachum.room.media import record_media_event, should_record
from prachum.room.state import ROOM_OPEN, require_chair, user_group


def _require_chair_and_room(actor: Actor, meeting: Meeting) -> Any:
    require_chair(actor, meeting)
    meeting.refresh_from_db(fields=["status"])
    if meeting.status not in ROOM_OPEN:
        raise ServiceError(RoomError.NOT_OPEN, _("The meeting is not open."))
    media_room = media.live_media_room(meeting_id=meeting.pk)
    if media_room is None:
        raise ServiceError(
            RoomError.MEDIA_UNAVAILABLE, _("Audio and video are not available now.")
        )
    return media_room


def _chair_moderate(
    *,
    actor: Actor,
    meeting: Meeting,
    user: Any,
    kind: RoomEvent,
    mute_audio: bool,
    mute_video: bool,
    payload: dict[str, Any],
) -> list[int]:
    _require_chair_and_room(actor, meeting)
    try:
        done = media.moderate_user(
            meeting_id=str(meeting.pk),
            user_id=str(user.pk),
            mute_audio=mute_audio,
            mute_video=mute_video,
        )
        if mute_audio or not mute_video:  # callers have audio only (issue 17)
            done += callers.mute_callers(
                meeting_id=meeting.pk, user_id=user.pk, muted=mute_audio
            )
    except MediaError as exc:
        raise ServiceError(
            RoomError.MEDIA_FAILED, _("The media server did not carry out the request.")
        ) from exc
    if not done:
        raise ServiceError(
            RoomError.NOT_IN_MEDIA, _("That person is not connected to audio or video.")
        )
    record_media_event(
        meeting.pk,
        kind,
        {"user": str(user.pk), "participants": done, **payload},
        actor=actor,
    )
    return done


def mute_participant(*, actor: Actor, meeting: Meeting, user: Any) -> list[int]:
    """The chair mutes a participant's microphone, server side (R18)."""
    return _chair_moderate(
        actor=actor,
        meeting=meeting,
        user=user,
        kind=RoomEvent.MEDIA_PARTICIPANT_MUTED,
        mute_audio=True,
        mute_video=False,
        payload={"audio": True, "video": False},
    )


def stop_video(*, actor: Actor, meeting: Meeting, user: Any) -> list[int]:
    """The chair stops a participant's video, server side (R18)."""
    return _chair_moderate(
        actor=actor,
        meeting=meeting,
        user=user,
        kind=RoomEvent.MEDIA_PARTICIPANT_MUTED,
        mute_audio=False,
        mute_video=True,
        payload={"audio": False, "video": True},
    )


def request_unmute(*, actor: Actor, meeting: Meeting, user: Any) -> list[int]:
    """Lift the server-side mute and ask the person to unmute (the choice is theirs)."""
    done = _chair_moderate(
        actor=actor,
        meeting=meeting,
        user=user,
        kind=RoomEvent.MEDIA_UNMUTE_REQUESTED,
        mute_audio=False,
        mute_video=False,
        payload={},
    )
    publish_on_commit(
        user_group(meeting.pk, user.pk), {"type": RoomEvent.MEDIA_UNMUTE_REQUESTED}
    )
    return done


_ROLES: dict[str, str] = {
    Role.CHAIR: "chair",
    Role.SECRETARY: "secretary",
    Role.ASSISTANT_SECRETARY: "secretary",
    Role.MEMBER_SECRETARY: "secretary",
    Role.MEMBER_ASSISTANT_SECRETARY: "secretary",
    Role.INVITEE: "invitee",
}


def _role(membership: Membership) -> str:
    return _ROLES.get(str(membership.role), "member")


def room_display(meeting: Meeting) -> str:
    """The name the room's own computer shows in the media room: "ห้องประชุม ..."."""
    label = str(_("Meeting room"))
    return (
        meeting.venue if meeting.venue.startswith(label) else f"{label} {meeting.venue}"
    )


def token_ttl_seconds(meeting: Meeting, *, now: dt.datetime) -> int:
    """Until the planned end plus a margin, within [MIN, MAX] (ADR 0011)."""
    planned = int((meeting.ends_at - now).total_seconds())
    wanted = planned + settings.MEDIA_TOKEN_MARGIN_SECONDS
    return max(
        settings.MEDIA_TOKEN_MIN_SECONDS, min(wanted, settings.MEDIA_TOKEN_MAX_SECONDS)
    )


def join_info(*, meeting: Meeting, user: Any, as_room: bool = False) -> dict[str, Any]:
    """What the browser needs to join the meeting's Janus room.

    Only for a person who passed this meeting's identity check (and, an invitee,
    admitted for the current item), while the meeting is open or suspended. Raises
    ``PermissionDeniedError``/``ServiceError`` otherwise and ``MediaError`` when the
    media server cannot be reached.

    ``as_room``: the chair or secretary connects the meeting room's computer, whose
    microphones carry the voices of everyone signed in at the room; it shows as
    "ห้องประชุม ..." to everyone (Decree ss.6, 10; ADR 0016).
    """
    meeting.refresh_from_db(fields=["status"])
    if meeting.status not in ROOM_OPEN:
        raise PermissionDeniedError(
            RoomError.ROOM_NOT_OPEN, _("The meeting is not open for audio and video.")
        )
    if not may_enter(meeting=meeting, user=user):
        raise PermissionDeniedError(
            CoreError.IDENTITY_CHECK_REQUIRED,
            _("Confirm your identity for this meeting first."),
        )
    if as_room and (meeting.mode == MeetingMode.ELECTRONIC or not meeting.venue):
        raise ServiceError(
            RoomError.NOT_HYBRID,
            _("This meeting has no meeting room to connect."),
        )
    if as_room and not policies.can_run_console(user=user, meeting=meeting):
        raise PermissionDeniedError(
            CoreError.CHAIR_ONLY,
            _("Only the chair or the secretary may connect the meeting room."),
        )
    membership = Membership.objects.select_related("user").get(
        committee=meeting.committee, user=user
    )
    media_room = media.live_media_room(meeting_id=meeting.pk)
    if media_room is None:
        # The room is made after the opening commits; make it now if that failed.
        media_room = media.open_media_room(
            meeting_id=str(meeting.pk), record=should_record(meeting)
        )
    server = get_media_server()
    now = timezone.now()
    ttl = token_ttl_seconds(meeting, now=now)
    token = server.join_token(user_id=str(user.pk), ttl_seconds=ttl)
    nonce = signed_nonce(
        key=settings.JANUS_TOKEN_SECRET,
        meeting_id=str(meeting.pk),
        user_id=str(user.pk),
    )
    return {
        "server": settings.JANUS_PUBLIC_URL,
        "room": media_room.janus_room_id,
        "pin": server.room_pin(room=media_room.janus_room_id),
        "token": token,
        "token_expires_at": int(now.timestamp()) + ttl,
        "display": room_display(meeting) if as_room else user.display_name,
        "opaque_id": make_opaque_id(
            meeting_id=str(meeting.pk), user_id=str(user.pk), nonce=nonce
        ),
        "ice_servers": list(settings.MEDIA_ICE_SERVERS),
        "publish": {"audio": True, "video": meeting.mode != MeetingMode.IN_ROOM},
        "record": media_room.record,
        "role": "room" if as_room else _role(membership),
    }
