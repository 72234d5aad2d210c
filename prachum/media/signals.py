"""What this package tells the rest of Prachum, without importing it.

The attendance context subscribes in its ``AppConfig.ready()``:

- :data:`media_signals` — sent by :func:`prachum.media.watchdog.process_and_dispatch`
  after Janus's events became traffic data; ``signals`` is a list of
  :class:`prachum.media.janus_events.MediaSignal`.
- :data:`media_server_down` — sent once when a media server stops answering;
  ``server`` (name), ``at`` (aware datetime), ``error`` (text).
- :data:`media_server_up` — sent once when it answers again; ``server``,
  ``down_since`` and ``at``.

- :data:`media_recording_problems` — sent once per problem (until it clears) when a
  room that should record has a publisher not being recorded; ``server``,
  ``meeting_id`` and ``problem`` (:class:`prachum.media.recording.RecordingProblem`).

Receivers run in the watchdog's thread; an exception in one is logged and does not
stop the watchdog (``send_robust``).
"""

from __future__ import annotations

from django.dispatch import Signal

media_signals = Signal()
media_server_down = Signal()
media_server_up = Signal()
media_recording_problems = Signal()
