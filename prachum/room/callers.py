"""Participants whose audio is not in the room's VideoRoom (SIP callers, issue 17).

The chair's mute, unmute and removal act on them too: the context that carries them
(``prachum.telephony``) registers a :class:`CallerMediaHook` in its ``ready()`` (the
room does not import it), and the room's media controls call every hook along with
Janus's VideoRoom.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

logger = logging.getLogger(__name__)


class CallerMediaHook(Protocol):
    def mute(self, *, meeting_id: Any, user_id: Any, muted: bool) -> list[int]:
        """Mute or unmute the person's callers; the media participant ids acted on."""
        ...

    def kick(self, *, meeting_id: Any, user_id: Any, reason: str) -> list[int]:
        """Take the person's callers out of the audio; the participant ids kicked."""
        ...


_hooks: list[CallerMediaHook] = []


def register_caller_media(hook: CallerMediaHook) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def mute_callers(*, meeting_id: Any, user_id: Any, muted: bool) -> list[int]:
    done: list[int] = []
    for hook in list(_hooks):
        done.extend(hook.mute(meeting_id=meeting_id, user_id=user_id, muted=muted))
    return done


def kick_callers(*, meeting_id: Any, user_id: Any, reason: str) -> list[int]:
    """Never raises: a removal is recorded whatever the media did (logged)."""
    done: list[int] = []
    for hook in list(_hooks):
        try:
            done.extend(
                hook.kick(meeting_id=meeting_id, user_id=user_id, reason=reason)
            )
        except Exception:
            logger.exception("caller media: kick failed")
    return done
