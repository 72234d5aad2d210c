"""The chair's controls reaching SIP callers (R18): mute, unmute and removal act on a
caller's Janus AudioBridge participant.

:class:`CallerMedia` is the little the room needs of the AudioBridge; the default
reaches ``prachum.media.audiobridge.AudioBridge`` (imported when first used). Tests set
a fake with :func:`use_caller_media`. :data:`ROOM_HOOK` is what ``TelephonyConfig.
ready()`` registers with the room (``prachum.room.callers``).
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol

from prachum.telephony.models import SipCall


class CallerMedia(Protocol):
    def mute(self, *, room: int, participant: int, muted: bool) -> None: ...

    def kick(self, *, room: int, participant: int) -> None: ...


_media: CallerMedia | None = None


def use_caller_media(media: CallerMedia | None) -> None:
    """Replace the AudioBridge (``None``: back to the default)."""
    global _media
    _media = media


def caller_media() -> CallerMedia:
    """The fake a test set, else the configured AudioBridge (``media.loader.
    get_audiobridge``: the real one with Janus, its fake without), else the real one."""
    if _media is not None:
        return _media
    loader = importlib.import_module("prachum.media.loader")
    configured = getattr(loader, "get_audiobridge", None)
    if configured is not None:
        media: CallerMedia = configured()
        return media
    module = importlib.import_module("prachum.media.audiobridge")
    bridge: CallerMedia = module.AudioBridge.from_settings()
    return bridge


def live_calls(*, meeting_id: Any, user_id: Any) -> list[SipCall]:
    """The person's calls in the meeting's audio now."""
    return list(
        SipCall.objects.filter(
            meeting_id=meeting_id,
            user_id=user_id,
            ended_at__isnull=True,
            audio_participant__isnull=False,
            audio_room__isnull=False,
        ).order_by("started_at")
    )


class _RoomHook:
    """The room's :class:`prachum.room.callers.CallerMediaHook` for SIP callers."""

    def mute(self, *, meeting_id: Any, user_id: Any, muted: bool) -> list[int]:
        done = []
        for call in live_calls(meeting_id=meeting_id, user_id=user_id):
            assert call.audio_room is not None
            assert call.audio_participant is not None
            caller_media().mute(
                room=call.audio_room, participant=call.audio_participant, muted=muted
            )
            done.append(call.audio_participant)
        return done

    def kick(self, *, meeting_id: Any, user_id: Any, reason: str) -> list[int]:
        done = []
        for call in live_calls(meeting_id=meeting_id, user_id=user_id):
            assert call.audio_room is not None
            assert call.audio_participant is not None
            caller_media().kick(
                room=call.audio_room, participant=call.audio_participant
            )
            done.append(call.audio_participant)
        return done


ROOM_HOOK = _RoomHook()
