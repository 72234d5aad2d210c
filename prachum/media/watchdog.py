"""Notice within seconds when the media server dies or a participant's media drops.

One loop, every ``MEDIA_WATCHDOG_INTERVAL`` (1 s): ask the media server for its
``info``; turn Janus's raw events into traffic data and :data:`~prachum.media.signals.
media_signals`; now and then reconcile with the admin API. A server that stops
answering is reported once (:data:`~prachum.media.signals.media_server_down`) and once
more when it answers again (:data:`~prachum.media.signals.media_server_up`); the
"once" holds across processes because the state is a locked database row.

It runs as a daemon thread of the web process (:func:`start_watchdog_thread`, called
from ``config/asgi.py`` when ``MEDIA_WATCHDOG`` is on), so that what its receivers
publish reaches the chair's socket even through the in-memory channel layer; several
web processes may each run one. ``manage.py media_watchdog`` runs the same loop on its
own (with a Redis channel layer). Tests call :meth:`MediaWatchdog.poll_once`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from prachum.media.janus_events import MediaSignal
from prachum.media.loader import get_media_server
from prachum.media.models import MediaServerStatus
from prachum.media.protocol import MediaServer
from prachum.media.reconcile import reconcile
from prachum.media.recording import RecordingProblem, check_recordings
from prachum.media.services import live_rooms_on
from prachum.media.signals import (
    media_recording_problems,
    media_server_down,
    media_server_up,
    media_signals,
)
from prachum.media.traffic import process_events

logger = logging.getLogger(__name__)

DOWN = "down"
UP = "up"
SETTLE_SECONDS = 0.3
RECONCILE_EVERY = 30  # polls
RECORDING_CHECK_EVERY = 10  # polls


@dataclass
class PollResult:
    reachable: bool
    transition: str | None = None  # DOWN or UP when the state changed in this poll
    signals: list[MediaSignal] = field(default_factory=list)


def _dispatch(signal: Any, **kwargs: Any) -> None:
    for receiver, response in signal.send_robust(sender=MediaWatchdog, **kwargs):
        if isinstance(response, Exception):
            logger.error(
                "media watchdog: receiver %r failed",
                receiver,
                exc_info=(type(response), response, response.__traceback__),
            )


def record_health(
    *, server_name: str, reachable: bool, error: str, now: dt.datetime
) -> tuple[str | None, dt.datetime | None]:
    """Store the health seen; return the transition (DOWN/UP/None) and when it went down."""
    with transaction.atomic():
        MediaServerStatus.objects.get_or_create(server=server_name)
        status = MediaServerStatus.objects.select_for_update().get(server=server_name)
        if not reachable:
            if status.down_since is not None:
                return None, status.down_since
            status.down_since = now
            status.last_error = error[:300]
            status.save(update_fields=["down_since", "last_error"])
            return DOWN, now
        down_since = status.down_since
        status.down_since = None
        status.last_ok_at = now
        status.save(update_fields=["down_since", "last_ok_at"])
        return (UP, down_since) if down_since is not None else (None, None)


def process_and_dispatch(
    *, settle_seconds: float = SETTLE_SECONDS
) -> list[MediaSignal]:
    """Janus's new events → traffic data → :data:`media_signals` receivers."""
    result = process_events(settle_seconds=settle_seconds)
    if result.signals:
        _dispatch(media_signals, signals=result.signals)
    return result.signals


class MediaWatchdog:
    def __init__(
        self,
        *,
        server: MediaServer | None = None,
        settle_seconds: float = SETTLE_SECONDS,
        process: bool = True,
    ) -> None:
        self._server = server
        self.settle_seconds = settle_seconds
        self.process = process
        self.polls = 0
        self._reported: set[RecordingProblem] = set()

    @property
    def server(self) -> MediaServer:
        return self._server or get_media_server()

    def poll_once(self, *, now: dt.datetime | None = None) -> PollResult:
        now = now or timezone.now()
        server = self.server
        health = server.health()
        transition, down_since = record_health(
            server_name=server.name,
            reachable=health.reachable,
            error=health.error,
            now=now,
        )
        result = PollResult(reachable=health.reachable, transition=transition)
        if transition == DOWN:
            logger.error("media server %s is down: %s", server.name, health.error)
            _dispatch(media_server_down, server=server.name, at=now, error=health.error)
        elif transition == UP:
            logger.warning("media server %s is back", server.name)
            _dispatch(
                media_server_up, server=server.name, down_since=down_since, at=now
            )
        if self.process:
            result.signals = process_and_dispatch(settle_seconds=self.settle_seconds)
            if health.reachable and self.polls % RECONCILE_EVERY == RECONCILE_EVERY - 1:
                self._reconcile(server)
        if health.reachable and self.polls % RECORDING_CHECK_EVERY == 0:
            self.check_recordings(server)
        self.polls += 1
        return result

    def check_recordings(self, server: MediaServer) -> list[RecordingProblem]:
        """Every publisher of a recording room really recorded? New problems are sent
        once (:data:`media_recording_problems`) until they clear."""
        found: set[RecordingProblem] = set()
        new: list[tuple[object, RecordingProblem]] = []
        for media_room in live_rooms_on(server_name=server.name):
            if not media_room.record:
                continue
            try:
                problems = check_recordings(
                    server=server, room=media_room.janus_room_id
                )
            except Exception:  # the loop must survive a bad answer
                logger.exception("media watchdog: recording check failed")
                continue
            for problem in problems:
                found.add(problem)
                if problem not in self._reported:
                    new.append((media_room.meeting_id, problem))
        self._reported = found
        for meeting_id, problem in new:
            _dispatch(
                media_recording_problems,
                server=server.name,
                meeting_id=meeting_id,
                problem=problem,
            )
        return [problem for _meeting, problem in new]

    def _reconcile(self, server: MediaServer) -> None:
        if not hasattr(server, "iter_handles"):
            return
        try:
            report = reconcile(source=server)  # type: ignore[arg-type]
        except Exception:  # the loop must survive a bad answer
            logger.exception("media watchdog: reconcile failed")
            return
        if report.signals:
            _dispatch(media_signals, signals=report.signals)

    def run(
        self,
        stop: threading.Event,
        *,
        interval: float | None = None,
        max_polls: int | None = None,
    ) -> None:
        """Poll until ``stop`` is set (or ``max_polls`` polls); survive every error."""
        interval = settings.MEDIA_WATCHDOG_INTERVAL if interval is None else interval
        done = 0
        while not stop.is_set() and (max_polls is None or done < max_polls):
            started = time.monotonic()
            close_old_connections()
            try:
                self.poll_once()
            except Exception:  # the loop must survive
                logger.exception("media watchdog: poll failed")
            finally:
                close_old_connections()
            done += 1
            stop.wait(max(0.0, interval - (time.monotonic() - started)))


_thread_lock = threading.Lock()
_thread: threading.Thread | None = None
_stop = threading.Event()


def start_watchdog_thread() -> threading.Thread | None:
    """Start the loop in a daemon thread of this process, once; None when disabled."""
    global _thread
    if not settings.MEDIA_WATCHDOG:
        return None
    with _thread_lock:
        if _thread is None or not _thread.is_alive():
            _stop.clear()
            _thread = threading.Thread(
                target=MediaWatchdog().run,
                args=(_stop,),
                name="media-watchdog",
                daemon=True,
            )
            _thread.start()
        return _thread


def stop_watchdog_thread(timeout: float = 5.0) -> None:
    global _thread
    with _thread_lock:
        _stop.set()
        if _thread is not None:
            _thread.join(timeout)
        _thread = None
