"""The meetings with callers, bridged to their VideoRoom while a caller is in them.

Browsers hear the callers through the VideoRoom's remote publisher and callers hear
the browsers through their relayed legs (:class:`prachum.media.bridge.MeetingBridge`).
Each leg costs Janus an Opus decode, so a meeting is bridged only while at least one
caller is in it (guide sip.md §5.5). One loop, every :data:`SYNC_SECONDS`: start the
bridges wanted (the VideoRoom exists once the meeting is open), follow the
publishers, rebuild a bridge whose Janus restarted, stop the ones no longer wanted.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import override

from prachum.media.bridge import MeetingBridge
from prachum.media.protocol import MediaError
from prachum.media.tokens import room_id_for

logger = logging.getLogger(__name__)

SYNC_SECONDS = 2.0


@dataclass
class _Wanted:
    audio_room: int
    callers: int = 0
    restore: bool = False
    bridge: MeetingBridge | None = None


@dataclass
class Bridges:
    audiobridge: Any
    videoroom: Any
    meetings: dict[Any, _Wanted] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def caller_joined(self, meeting_id: Any, *, audio_room: int) -> None:
        with self.lock:
            wanted = self.meetings.setdefault(
                meeting_id, _Wanted(audio_room=audio_room)
            )
            wanted.callers += 1

    def caller_left(self, meeting_id: Any) -> None:
        with self.lock:
            wanted = self.meetings.get(meeting_id)
            if wanted is not None and wanted.callers > 0:
                wanted.callers -= 1

    def restore(self, meeting_id: Any, *, audio_room: int) -> None:
        """A caller's leg was rebuilt after Janus restarted: rebuild the bridge too."""
        wanted = self.meetings.get(meeting_id)
        if wanted is not None:
            wanted.audio_room = audio_room
            wanted.restore = True

    @property
    def bridging(self) -> bool:
        """This Janus can bridge (a fake media server cannot)."""
        return hasattr(self.videoroom, "add_remote_publisher")

    def step(self) -> None:
        """One pass (blocking: Janus's HTTP API); the loop runs it in a thread."""
        with self.lock:
            items = list(self.meetings.items())
        for meeting_id, wanted in items:
            with self.lock:
                gone = wanted.callers <= 0
                if gone:
                    del self.meetings[meeting_id]
            if gone:
                if wanted.bridge is not None:
                    wanted.bridge.stop()
                continue
            if not self.bridging:
                continue
            try:
                if wanted.bridge is None:
                    with override("th"):
                        display = str(_("Telephone and video conference participants"))
                    bridge = MeetingBridge(
                        audiobridge=self.audiobridge,
                        videoroom=self.videoroom,
                        audio_room=wanted.audio_room,
                        video_room=room_id_for(str(meeting_id)),
                        display=display,
                    )
                    bridge.start()
                    wanted.bridge = bridge
                elif wanted.restore:
                    wanted.bridge.audio_room = wanted.audio_room
                    wanted.bridge.restore()
                wanted.restore = False
                wanted.bridge.sync()
            except MediaError as error:
                # No VideoRoom yet (the meeting is not open) or Janus is away: later.
                logger.info("bridge of meeting %s: %s", meeting_id, error)
                if wanted.bridge is not None:
                    wanted.restore = True

    def stop_all(self) -> None:
        for wanted in self.meetings.values():
            if wanted.bridge is not None:
                wanted.bridge.stop()
        self.meetings.clear()

    async def run(self) -> None:
        while True:
            try:
                await asyncio.to_thread(self.step)
            except Exception:  # the loop must survive
                logger.exception("sip bridges: a pass failed")
            await asyncio.sleep(SYNC_SECONDS)
