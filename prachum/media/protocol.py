"""The media server as the rest of Prachum sees it (style guide rule 6).

Services call a :class:`MediaServer` obtained from :func:`prachum.media.loader.
get_media_server`; they never talk to Janus directly. Two implementations keep the
same behaviour, checked by one contract test module run against both:
:class:`prachum.media.janus.JanusMediaServer` (Janus VideoRoom over the HTTP and admin
APIs) and :class:`prachum.media.fake.FakeMediaServer` (in memory).

Calls are synchronous and short (loopback, a few seconds' timeout at most): services
make them after their transaction commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

# Plugins a browser token may attach. The server itself uses the admin API.
VIDEOROOM = "janus.plugin.videoroom"
DEFAULT_TOKEN_TTL_SECONDS = 120


class MediaErrorCode:
    """Stable codes of :class:`MediaError` (Janus's numeric code kept alongside)."""

    UNREACHABLE = "MEDIA_UNREACHABLE"
    BAD_RESPONSE = "MEDIA_BAD_RESPONSE"
    UNAUTHORIZED = "MEDIA_UNAUTHORIZED"
    NO_SUCH_ROOM = "MEDIA_NO_SUCH_ROOM"
    NO_SUCH_PARTICIPANT = "MEDIA_NO_SUCH_PARTICIPANT"
    ROOM_EXISTS = "MEDIA_ROOM_EXISTS"
    REFUSED = "MEDIA_REFUSED"


class MediaError(Exception):
    """A media server call failed. ``code`` is one of :class:`MediaErrorCode`."""

    def __init__(self, code: str, message: str, *, janus_code: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.janus_code = janus_code

    def __repr__(self) -> str:
        return (
            f"MediaError({self.code!r}, {self.message!r}, janus_code={self.janus_code})"
        )


@dataclass(frozen=True)
class MediaHealth:
    """What the operator sees: can Prachum reach and control the media server?"""

    reachable: bool
    version: str = ""
    sessions: int | None = None
    error: str = ""


@dataclass(frozen=True)
class MediaParticipant:
    """One participant of a room as the media server knows it."""

    id: int
    display: str
    publisher: bool
    talking: bool | None = None
    muted: bool | None = None  # AudioBridge: muted by the chair


@dataclass(frozen=True)
class MediaRoomInfo:
    """A room's settings that matter for the record: is it recording, and where."""

    room: int
    record: bool
    lock_record: bool
    rec_dir: str
    participants: int
    max_publishers: int


@runtime_checkable
class MediaServer(Protocol):
    """Rooms, join tokens, recording and moderation on one media server.

    Errors raise :class:`MediaError`; a missing room is ``NO_SUCH_ROOM`` and a
    participant not in the room is ``NO_SUCH_PARTICIPANT`` on every method.
    """

    #: The server's name: the ``emitter`` of its events and the key of the room
    #: registry (``MediaRoom.server``).
    name: str

    def health(self) -> MediaHealth:
        """Reachability, version and the number of live sessions; never raises."""
        ...

    def ensure_room(
        self, *, meeting_id: str, record: bool, rec_dir: str, publishers: int
    ) -> int:
        """Create the meeting's room if missing (idempotent); return its id.

        The room id is derived from ``meeting_id``, so a second call (or a restart of
        the web app) finds the same room. Recording is locked (``lock_record``):
        participants cannot change it, only :meth:`set_recording` can. When the room
        exists already, its recording state and folder are set to the given ones.
        """
        ...

    def destroy_room(self, *, room: int) -> None: ...

    def room_info(self, *, room: int) -> MediaRoomInfo: ...

    def room_pin(self, *, room: int) -> str:
        """The PIN a participant needs to join ``room`` (derived, never stored).

        Given to admitted participants with their join token; the room's
        management secret never leaves the server.
        """
        ...

    def join_token(self, *, user_id: str, ttl_seconds: int = 120) -> str:
        """A short-lived token for the VideoRoom plugin only.

        Issue it only to identified participants (the caller checks). The token is
        Janus's signed format ``<expiry>,janus,<plugin>:<base64 HMAC-SHA1>``; Janus
        checks it on every request of the session, so the client must be given a
        fresh one before it expires.
        """
        ...

    def set_recording(self, *, room: int, record: bool) -> None:
        """Start or stop recording every publisher (locked against clients)."""
        ...

    def moderate(
        self, *, room: int, participant: int, mute_audio: bool, mute_video: bool
    ) -> None:
        """Mute or unmute, server side, what ``participant`` publishes.

        Applies to the streams published now; a participant who publishes again gets
        new streams, which the caller must moderate again.
        """
        ...

    def kick(self, *, room: int, participant: int) -> None: ...

    def list_participants(self, *, room: int) -> list[MediaParticipant]: ...

    def recording_status(self, *, room: int) -> dict[int, str | None]:
        """For each participant publishing media: the file being recorded, or None.

        None means at least one published stream is not being recorded — the silent
        failure of a protected folder, a full disk or a stopped recording.
        """
        ...
