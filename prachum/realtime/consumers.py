"""The meeting room socket: authenticate, validate, call a service, forward events.

Thin by design (style guide §1 rule 5): no ORM here and no rules; services and
selectors run through ``database_sync_to_async``. A refused or ended socket gets one
``error`` frame before the close, so the page can say why:

=======================================  ==========================  =====
situation                                error code                  close
=======================================  ==========================  =====
not logged in / second factor missing    ``NOT_AUTHENTICATED``       4401
no such meeting                          ``NOT_FOUND``               4404
``open_connection`` refused              the service's code          4403
removed by the chair (``force.close``)   ``REMOVED``                 4403
may not stay for the new agenda item     ``NOT_ALLOWED_FOR_ITEM``    4403
50 messages refused by flood control     ``RATE_LIMITED``            4429
the client sent ``leave``                (no frame)                  1000
=======================================  ==========================  =====
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError

from prachum.accounts import session_freshness
from prachum.attendance import policies
from prachum.core.errors import ServiceError
from prachum.core.text import TextRefusedError, gate_data, invalid_text_message_lazy
from prachum.meetings.lookups import find_meeting
from prachum.realtime import closing, commands, schemas
from prachum.realtime import scope as scope_facts
from prachum.realtime.hub import Outbox, hub_for
from prachum.realtime.rate_limit import FloodControl, Verdict
from prachum.room import connections, snapshot, state

if TYPE_CHECKING:
    from prachum.meetings.models import Meeting

logger = logging.getLogger(__name__)

T = TypeVar("T")

MAX_FRAME_BYTES = 4096
CLOSE_NORMAL = 1000
CLOSE_NOT_AUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_RATE_LIMITED = 4429

MESSAGES: dict[str, str | Promise] = {
    "NOT_AUTHENTICATED": _("Log in with your password and one-time code first."),
    "NOT_FOUND": _("There is no such meeting."),
    "REMOVED": _("The chair removed you from this meeting."),
    "NOT_ALLOWED_FOR_ITEM": _(
        "You may not stay for this agenda item: it needs an identity check with "
        "your one-time code, or the chair has not admitted you for it."
    ),
    "RATE_LIMITED": _("Too many messages; slow down."),
    "MESSAGE_TOO_LARGE": _("The message is too large."),
    "MALFORMED": _("The message could not be read."),
    "INVALID_MESSAGE": _("The message is not valid."),
    "INVALID_TEXT": invalid_text_message_lazy,
    "SERVER_ERROR": _("Something went wrong on the server; try again."),
}

# ``force.close`` reasons sent by the services, and the error code the page gets.
FORCE_CLOSE_CODES = {
    "removed": "REMOVED",
    "not_allowed_for_item": "NOT_ALLOWED_FOR_ITEM",
}


def _in_language(language: str, fn: Callable[..., T], kwargs: dict[str, Any]) -> T:
    with translation.override(language):
        return fn(**kwargs)


@dataclass
class _Joined:
    """What :func:`_join` found: a refusal code, or the person let in."""

    user: Any = None
    meeting: Meeting | None = None
    refusal: str | None = None
    connection_id: Any = None
    console: bool = False


REFUSAL_CLOSE = {
    "NOT_AUTHENTICATED": CLOSE_NOT_AUTHENTICATED,
    "NOT_FOUND": CLOSE_NOT_FOUND,
}


def _join(*, scope: Any, channel_name: str) -> _Joined:
    """Everything a join needs from the database, in one trip to its thread: who is
    asking, which meeting, ``open_connection`` (which refuses with a
    ``ServiceError``), and whether the person runs the console."""
    user = scope_facts.verified_user(scope)
    if user is None:
        return _Joined(refusal="NOT_AUTHENTICATED")
    meeting = find_meeting(meeting_id=scope["url_route"]["kwargs"]["meeting_id"])
    if meeting is None:
        return _Joined(user=user, refusal="NOT_FOUND")
    ip_address, port = scope_facts.client_address(scope)
    connection = connections.open_connection(
        meeting=meeting,
        user=user,
        channel_name=channel_name,
        session_key=scope_facts.session_key(scope),
        ip_address=ip_address,
        port=port,
        user_agent=scope_facts.header(scope, "user-agent"),
    )
    return _Joined(
        user=user,
        meeting=meeting,
        connection_id=connection.id,
        console=policies.can_run_console(user=user, meeting=meeting),
    )


class MeetingRoomConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """One person's live connection to one meeting room."""

    # The flood-control clock; tests replace it to make the bucket deterministic.
    clock: Callable[[], float] = staticmethod(time.monotonic)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.meeting: Meeting | None = None
        self.user: Any = None
        self.connection_id: Any = None
        self.left = False
        self.closing = False
        self.joined: list[str] = []
        self.room_group: str | None = None  # joined through the process's hub
        self.outbox = Outbox(self._send_text)
        self.language = ""
        self.flood = FloodControl(clock=self.clock)
        self.session_touched: float | None = None

    # --- connecting --------------------------------------------------------------

    async def connect(self) -> None:
        # Accept at once: the checks and the join below take a database round (the
        # room lock) each, and a thousand people joining together would otherwise
        # outlast the server's handshake timeout. Nothing of the room is sent, and
        # the socket is in no group, until ``open_connection`` has let the person in;
        # a refusal is an ``error`` frame and a close.
        await self.accept()
        self.language = scope_facts.language(self.scope)
        try:
            joined = await self._call(
                _join, scope=self.scope, channel_name=self.channel_name
            )
        except ServiceError as exc:
            await self._refuse(exc.code, exc.message, CLOSE_FORBIDDEN)
            return
        self.user, self.meeting = joined.user, joined.meeting
        if joined.refusal is not None:
            await self._refuse(joined.refusal, None, REFUSAL_CLOSE[joined.refusal])
            return
        meeting, user = joined.meeting, joined.user
        assert meeting is not None
        self.connection_id = joined.connection_id
        groups = [state.user_group(meeting.pk, user.pk)]
        if joined.console:
            groups.append(state.console_group(meeting.pk))
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
            self.joined.append(group)
        self.room_group = state.room_group(meeting.pk)
        await hub_for(self.channel_layer).join(self.room_group, self)
        # The snapshot is read after joining, so no event falls between the two;
        # events that came meanwhile wait in the outbox and follow it.
        await self._send_snapshot(ref=None)
        self.outbox.start()

    async def dispatch(self, message: dict[str, Any]) -> None:
        # A personal or console event (the room's broadcasts come through the hub)
        # goes out with no database work. Channels' own ``dispatch`` first closes
        # stale database connections in the database thread, a hop that would wait
        # behind whatever that thread is doing (a join storm). Every database call
        # here goes through ``database_sync_to_async``, which closes them itself.
        if message.get("type") == "room.event":
            await self.room_event(message)
            return
        await super().dispatch(message)

    async def _refuse(
        self, code: str, message: str | Promise | None, close_code: int
    ) -> None:
        logger.info(
            "room socket refused meeting=%s user=%s code=%s",
            self.scope["url_route"]["kwargs"]["meeting_id"],
            getattr(self.user, "pk", None),
            code,
        )
        self.closing = True
        await self.send_json(self._error(code, message))
        await self.close(code=close_code)

    async def disconnect(self, code: int) -> None:
        await self._leave_groups()
        await self._end_connection("left" if self.left else "lost")

    async def _leave_groups(self) -> None:
        self.closing = True
        if self.room_group is not None:
            group, self.room_group = self.room_group, None
            await hub_for(self.channel_layer).leave(group, self)
        await self.outbox.stop()
        for group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.joined = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # A consumer that died (say the channel layer failed) gets no disconnect:
            # leave the hub and record the end anyway, or the person would stay
            # "present" for good.
            try:
                await self._leave_groups()
            finally:
                await self._end_connection("lost")

    async def _end_connection(self, reason: str) -> None:
        if self.connection_id is None:
            return
        connection_id, self.connection_id = self.connection_id, None
        await closing.end_connection(
            connection_id=connection_id, reason=reason, at=timezone.now()
        )

    # --- messages from the browser -------------------------------------------------

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None
    ) -> None:
        if self.connection_id is None or self.closing:
            return
        verdict = self.flood.admit()
        if verdict is not Verdict.ALLOW:
            await self._send_error("RATE_LIMITED")
            if verdict is Verdict.CLOSE:
                self._log_bad_input("RATE_LIMITED")
                self.closing = True
                await self.close(code=CLOSE_RATE_LIMITED)
            elif self.flood.refused == 1:
                self._log_bad_input("RATE_LIMITED")
            return
        await self._keep_session_alive()
        if text_data is None:
            await self._bad_input("MALFORMED")
            return
        if len(text_data) > MAX_FRAME_BYTES or (
            len(text_data.encode()) > MAX_FRAME_BYTES
        ):
            await self._bad_input("MESSAGE_TOO_LARGE")
            return
        try:
            data = json.loads(text_data)
        except (ValueError, RecursionError):
            await self._bad_input("MALFORMED")
            return
        try:  # the text gate (issue 15): every string, before the schema sees it
            data = gate_data(data)
        except TextRefusedError as exc:
            await self._bad_input(
                "INVALID_TEXT", field=exc.field, ref=schemas.ref_of(data)
            )
            return
        try:
            message = schemas.parse_message(data)
        except ValidationError as exc:
            await self._bad_input(
                "INVALID_MESSAGE",
                field=schemas.error_field(exc),
                ref=schemas.ref_of(data),
            )
            return
        try:
            await self._handle(message)
        except Exception:
            logger.exception(
                "room socket: %s failed meeting=%s user=%s",
                message.type,
                getattr(self.meeting, "pk", None),
                getattr(self.user, "pk", None),
            )
            await self._send_error("SERVER_ERROR", ref=message.ref)

    async def _handle(self, message: schemas.ClientMessage) -> None:
        match message:
            case schemas.Ping():
                await self.send_json(_with_ref({"type": "pong"}, message.ref))
            case schemas.SnapshotGet():
                await self._send_snapshot(ref=message.ref)
            case schemas.Leave():
                self.left = True
                self.closing = True
                await self.close(code=CLOSE_NORMAL)
            case _:
                try:
                    answer = await self._call(
                        commands.run,
                        command=message,
                        meeting=self.meeting,
                        actor=self.user,
                    )
                except ServiceError as exc:
                    await self._send_error(
                        exc.code, exc.message, ref=message.ref, field=exc.field
                    )
                else:
                    # The answer says what was done ("the vote on item 4.1 is open").
                    await self.send_json(
                        {"type": "ack", "ref": message.ref, "message": answer}
                    )

    # --- events from the channel layer ----------------------------------------------

    async def room_event(self, message: dict[str, Any]) -> None:
        """A group message ``{"type": "room.event", "event": E}`` from a service."""
        if self.closing:
            return
        event = message["event"]
        text = self.frame_for(event)
        if text is not None:
            await self.send(text_data=text)
        elif event.get("type") == "force.close":
            self.closing = True
            code = FORCE_CLOSE_CODES.get(event.get("reason"), "REMOVED")
            await self.send_json(self._error(code, None))
            await self.close(code=CLOSE_FORBIDDEN)
        else:
            await self.send_json({"type": "incident", "incident": event["incident"]})

    # --- the room's broadcasts, through the process's hub (``realtime.hub``) ----------

    def frame_for(self, event: dict[str, Any]) -> str | None:
        """The text every socket of the room gets for ``event``, or ``None`` for a
        forced close or an incident (``room_event`` handles those itself)."""
        kind = event.get("type")
        if kind in ("force.close", "incident"):
            return None  # not a broadcast: ``room_event`` handles it
        if kind == "poll.progress":
            # Not versioned: absolute figures, the client keeps the largest ``cast``.
            return json.dumps(event, ensure_ascii=False, separators=(",", ":"))
        meeting_id = self.meeting.pk if self.meeting is not None else None
        return event_frame(meeting_id, event)

    def handle_room_message(self, message: dict[str, Any]) -> None:
        asyncio.get_running_loop().create_task(self.room_event(message))

    def resync(self) -> None:
        if not self.closing:
            asyncio.get_running_loop().create_task(self._send_snapshot(ref=None))

    async def _send_text(self, text: str) -> None:
        if not self.closing:
            await self.send(text_data=text)

    # --- helpers ----------------------------------------------------------------------

    async def _keep_session_alive(self) -> None:
        """An open room counts as activity: the heartbeat refreshes the session's
        last-seen time, at most every ``SOCKET_TOUCH_EVERY_SECONDS`` (issue 15, F9)."""
        now = self.clock()
        every = session_freshness.SOCKET_TOUCH_EVERY_SECONDS
        if self.session_touched is not None and now - self.session_touched < every:
            return
        self.session_touched = now
        await self._call(
            session_freshness.touch_stored,
            session_key=scope_facts.session_key(self.scope),
        )

    async def _call(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        """Run a service or selector in the database thread, in the socket's language."""
        result: T = await database_sync_to_async(_in_language)(
            self.language, fn, kwargs
        )
        return result

    async def _send_snapshot(self, *, ref: str | None) -> None:
        data = await self._call(
            snapshot.room_snapshot, meeting=self.meeting, user=self.user
        )
        await self.send_json(_with_ref({"type": "snapshot", "snapshot": data}, ref))

    def _error(
        self,
        code: str,
        message: str | Promise | None,
        *,
        ref: str | None = None,
        field: str | None = None,
        with_ref: bool = False,
    ) -> dict[str, Any]:
        with translation.override(self.language):
            text = str(message if message is not None else MESSAGES.get(code, code))
        frame: dict[str, Any] = {"type": "error", "code": code, "message": text}
        if field:
            frame["field"] = field
        if with_ref:
            frame["ref"] = ref
        return frame

    async def _send_error(
        self,
        code: str,
        message: str | Promise | None = None,
        *,
        ref: str | None = None,
        field: str | None = None,
    ) -> None:
        await self.send_json(
            self._error(code, message, ref=ref, field=field, with_ref=True)
        )

    async def _bad_input(
        self, code: str, *, field: str | None = None, ref: str | None = None
    ) -> None:
        self._log_bad_input(code)
        await self._send_error(code, ref=ref, field=field)

    def _log_bad_input(self, code: str) -> None:
        # Never the message body: it may carry what a participant typed.
        logger.warning(
            "room socket: bad input meeting=%s user=%s code=%s",
            getattr(self.meeting, "pk", None),
            getattr(self.user, "pk", None),
            code,
        )

    @classmethod
    async def encode_json(cls, content: Any) -> str:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":"))


# (meeting, version, kind) -> the encoded ``event`` frame; versions only grow, so a
# short memory suffices (the sockets of a room all handle an event within moments).
_FRAMES: OrderedDict[tuple[Any, int, str], str] = OrderedDict()
_FRAMES_KEPT = 256


def event_frame(meeting_id: Any, event: dict[str, Any]) -> str:
    """The ``event`` frame of a versioned room event, as text, encoded once.

    A room version names one committed change of one meeting, so the frame for
    ``(meeting, version, kind)`` is the same for every socket in the room. Written
    without spaces and ``type``, ``kind``, ``version`` first (``bench/fanout.py``
    recognises frames by their first bytes).
    """
    key = (meeting_id, int(event["version"]), str(event.get("type")))
    text = _FRAMES.get(key)
    if text is None:
        frame = {
            "type": "event",
            "kind": event.get("type"),
            "version": event["version"],
            "patch": event["patch"],
        }
        text = json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
        _FRAMES[key] = text
        if len(_FRAMES) > _FRAMES_KEPT:
            _FRAMES.popitem(last=False)
    return text


def _with_ref(frame: dict[str, Any], ref: str | None) -> dict[str, Any]:
    if ref is not None:
        frame["ref"] = ref
    return frame
