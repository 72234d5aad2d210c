"""The SIP gateway process: one coroutine per call, from the answer to the BYE.

``prachum-sipgw`` (or ``manage.py sipgw``) runs :class:`Gateway`: the SIP stack
(:mod:`prachum.sipgw`) answers and :meth:`Gateway.run_call` takes each caller through
the lobby (Thai voice prompts), the meeting code (or the dialled address) and the
personal PIN (R13-R15, R45; a SIP address only from the agency's VCS), into the
meeting's AudioBridge room as a plain-RTP leg recorded to its own file, and keeps
them there under the room's rules: removal, secret items and the meeting's end hang
up; an open vote is announced and taken by keypad; audio the room could not hear is
an incident; a leg lost with Janus is rebuilt. Every change of the record is a
service of this package run in a thread (the ORM is synchronous).

The meetings with callers are bridged to their VideoRoom (:mod:`prachum.media.bridge`)
while at least one caller is in them (:mod:`prachum.telephony.bridging`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import close_old_connections
from django.utils.translation import override

from prachum.core.errors import ServiceError
from prachum.media.audiobridge import leg_recording_name, new_participant_id
from prachum.media.protocol import MediaError
from prachum.media.services import recordings_dir_for
from prachum.sipgw.server import Call, SipConfig, SipServer
from prachum.telephony import call_media, gateways, keypad, services
from prachum.telephony.bridging import Bridges
from prachum.telephony.error_codes import TelephonyError
from prachum.telephony.prompts import Prompts

logger = logging.getLogger(__name__)
T = TypeVar("T")

DIGIT_SECONDS = 10.0  # between two keys of a code
FIRST_DIGIT_SECONDS = 20.0
CODE_TRIES = 3
WATCH_SECONDS = 0.5
CHECK_SECONDS = 1.0
HEARTBEAT_SECONDS = 1.0
DIGITS_MAX = 16

#: Why the room ended a call -> what the caller hears before the BYE.
END_PROMPTS = {
    "removed": "removed",
    "not_allowed_for_item": "not_for_item",
    "meeting_closed": "meeting_closed",
    "closed": "meeting_closed",
}


async def db(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run an ORM-using function in a thread, with fresh database connections."""

    def call() -> T:
        close_old_connections()
        try:
            with override("th"):
                return fn(*args, **kwargs)
        finally:
            close_old_connections()

    return await asyncio.to_thread(call)


def room_news(record: Any) -> tuple[str | None, Any]:
    """What the room says to one call: why it must end (or None), else the open
    vote it has not voted in (or None). One trip to the database."""
    why = services.call_should_end(record)
    return why, (keypad.open_poll_for(record) if why is None else None)


def sip_config_from_settings() -> SipConfig:
    low, _, high = settings.SIP_RTP_PORTS.partition("-")
    return SipConfig(
        host=settings.SIP_HOST,
        udp_port=settings.SIP_PORT,
        tcp_port=settings.SIP_PORT,
        tls_port=settings.SIP_TLS_PORT,
        tls_cert_file=settings.SIP_TLS_CERT_FILE,
        tls_key_file=settings.SIP_TLS_KEY_FILE,
        tls_client_ca_file=settings.SIP_TLS_CLIENT_CA_FILE,
        media_host=settings.SIP_MEDIA_HOST,
        rtp_ports=(int(low), int(high)),
        janus_rtp_host=settings.SIP_JANUS_RTP_HOST,
    )


def call_info(call: Call, server_node: str) -> services.CallInfo:
    return services.CallInfo(
        call_id=call.call_id,
        from_uri=call.from_uri,
        source_ip=call.source[0],
        source_port=call.source[1],
        transport=call.transport,
        codec=call.codec,
        server_node=server_node,
        asserted_identity=call.asserted_identity,
        request_uri=call.request_uri,
        dialled=call.dialled,
        user_agent=call.user_agent,
        tls_client_verified=call.tls_client_verified,
        answered_at=call.answered_at,
    )


async def read_code(call: Call) -> str | None:
    """Keys up to ``#`` (or a pause after some keys); None if nothing was keyed."""
    digits = ""
    timeout = FIRST_DIGIT_SECONDS
    while len(digits) < DIGITS_MAX:
        digit = await call.next_digit(timeout)
        if digit is None:
            break
        if digit == "#":
            return digits
        if digit == "*":
            digits = ""  # start again
            continue
        digits += digit
        timeout = DIGIT_SECONDS
    return digits or None


class Gateway:
    """The SIP stack, the AudioBridge and the record, for one ``server_node``."""

    def __init__(
        self,
        *,
        config: SipConfig,
        server_node: str,
        audiobridge: Any,
        videoroom: Any,
        prompts: Prompts | None = None,
    ) -> None:
        self.config = config
        self.server_node = server_node
        self.audiobridge = audiobridge
        self.prompts = prompts or Prompts()
        self.bridges = Bridges(audiobridge=audiobridge, videoroom=videoroom)
        self.sip = SipServer(config, self.run_call)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        left = await db(gateways.gateway_started, self.server_node)
        if left:
            logger.warning("ended %s calls this gateway left open", left)
        await asyncio.to_thread(self.prompts.load_all)
        await self.sip.start()
        self._tasks = [
            asyncio.create_task(self._heartbeat()),
            asyncio.create_task(self.bridges.run()),
        ]

    async def stop(self) -> None:
        await self.sip.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await asyncio.to_thread(self.bridges.stop_all)

    async def _heartbeat(self) -> None:
        while True:
            try:
                await db(gateways.gateway_alive, self.server_node)
            except Exception:  # the beat must go on (the database may be away)
                logger.exception("sip gateway heartbeat failed")
            await asyncio.sleep(HEARTBEAT_SECONDS)

    async def say(self, call: Call, prompt: str, *, interruptible: bool = True) -> None:
        if call.ended.is_set():
            return
        await call.play(await self.prompts.get(prompt), interruptible=interruptible)

    # -- one call -------------------------------------------------------------

    async def run_call(self, call: Call) -> None:
        record = await db(services.call_started, call_info(call, self.server_node))
        leg = None
        meeting = None
        try:
            meeting = await self._meeting_of(call, record)
            if meeting is None:
                return
            user, how = await self._identify(call, record, meeting)
            if user is None:
                return
            leg = await self._join(call, record, meeting, user, how)
            if leg is None:
                return
            await self.say(call, "joined")
            await self._in_meeting(call, record, meeting, user, leg)
        finally:
            if leg is not None:
                await asyncio.to_thread(leg.close)
            if meeting is not None:
                self.bridges.caller_left(meeting.pk)
            reason = call.end_reason if call.ended.is_set() else "hangup"
            if not call.ended.is_set():
                await call.hangup()
            await db(services.caller_left, record, reason or "hangup")

    async def _meeting_of(self, call: Call, record: Any) -> Any:
        await self.say(call, "welcome")
        if call.dialled:
            meeting = await db(services.find_meeting, record, call.dialled)
            if meeting is not None:
                return meeting
        for _try in range(CODE_TRIES):
            await self.say(call, "ask_meeting")
            code = await read_code(call)
            if call.ended.is_set():
                return None
            if code:
                meeting = await db(services.find_meeting, record, code)
                if meeting is not None:
                    return meeting
            await self.say(call, "no_meeting", interruptible=False)
        await call.hangup("no_meeting")
        return None

    async def _identify(self, call: Call, record: Any, meeting: Any) -> tuple[Any, str]:
        """The member calling and how they were identified: by the SIP address of
        a call that provably came through the agency's VCS, else by PIN."""
        user = await db(services.trusted_member, record, meeting)
        if user is not None:
            return user, await db(services.trust_of, record)
        while user is None:
            await self.say(call, "ask_pin")
            pin = await read_code(call)
            if call.ended.is_set():
                return None, ""
            try:
                user = await db(services.try_pin, record, meeting, pin or "")
            except ServiceError as error:
                if error.code != TelephonyError.PIN_TRIES_EXHAUSTED:
                    raise
                await self.say(call, "too_many", interruptible=False)
                await call.hangup("pin_tries")
                return None, ""
            if user is None:
                call.clear_digits()
                await self.say(call, "wrong_pin")
        return user, "pin"

    async def _join(
        self, call: Call, record: Any, meeting: Any, user: Any, how: str
    ) -> Any:
        """The caller's leg in the meeting's AudioBridge, then the room entry."""
        try:
            room = await asyncio.to_thread(
                self.audiobridge.ensure_room,
                meeting_id=str(meeting.pk),
                rec_dir=str(recordings_dir_for(meeting.pk)),
            )
            leg = await asyncio.to_thread(self._open_leg, call, room, user)
        except MediaError:
            logger.exception("audio room for meeting %s", meeting.pk)
            await self.say(call, "refused", interruptible=False)
            await call.hangup("media_unavailable")
            return None
        try:
            await db(
                services.caller_joined,
                record,
                user,
                meeting,
                leg.participant_id,
                self.audiobridge.name,
                audio_room=room,
                identified_by=how,
            )
        except ServiceError:
            await asyncio.to_thread(leg.close)
            await self.say(call, "refused", interruptible=False)
            await call.hangup("refused")
            return None
        self.bridges.caller_joined(meeting.pk, audio_room=room)
        return leg

    def _open_leg(self, call: Call, room: int, user: Any) -> Any:
        ip, port = call.janus_leg()
        participant = new_participant_id()
        leg = self.audiobridge.open_leg(
            room=room,
            display=user.display_name,
            group="sip",
            codec=call.codec,
            rtp_ip=ip,
            rtp_port=port,
            record=True,
            filename=leg_recording_name(
                room=room, participant=participant, user_key=str(user.pk)
            ),
            participant_id=participant,
            payload_type=getattr(call, "payload_type", None)
            if call.codec == "opus"
            else None,
        )
        call.bridge_to(leg.janus_ip, leg.janus_port)
        return leg

    async def _in_meeting(
        self, call: Call, record: Any, meeting: Any, user: Any, leg: Any
    ) -> None:
        prompted_poll = None
        reported_drops = 0
        last_check = 0.0
        while not call.ended.is_set():
            digit = await call.next_digit(WATCH_SECONDS)
            if call.ended.is_set():
                return
            if leg.kicked.is_set():
                await self.say(call, "removed", interruptible=False)
                await call.hangup("removed")
                return
            if leg.lost.is_set():
                leg = await self._rejoin(call, record, meeting, user, leg)
                if leg is None:
                    return
            dropped = call.stats.dropped_wrong_size
            if dropped > reported_drops:
                await db(
                    call_media.report_unheard_audio,
                    record,
                    dropped=dropped - reported_drops,
                    reason="packet size the mixer refuses",
                )
                reported_drops = dropped
            now = asyncio.get_running_loop().time()
            if digit is None and now - last_check < CHECK_SECONDS:
                continue  # the room is asked once a second (and at each key)
            last_check = now
            why, poll = await db(room_news, record)
            if why is not None:
                await self.say(
                    call, END_PROMPTS.get(why, "meeting_closed"), interruptible=False
                )
                await call.hangup(why if why in END_PROMPTS else "hangup")
                return
            if poll is not None and digit is not None and digit not in "*#":
                prompted_poll = poll.pk  # keyed before the prompt: no need for it
                try:
                    await db(keypad.cast_keypad_ballot, record, poll, digit)
                except ServiceError as error:
                    if error.code == TelephonyError.INVALID_KEY:
                        await self.say(call, "bad_key")
                else:
                    await self.say(call, "voted")
            elif poll is not None and poll.pk != prompted_poll:
                prompted_poll = poll.pk
                kind = "vote_motion" if poll.kind == "motion" else "vote_options"
                await self.say(call, kind)

    async def _rejoin(
        self, call: Call, record: Any, meeting: Any, user: Any, old: Any
    ) -> Any:
        """Janus lost the leg (it restarted): audio down, then a new leg when the
        AudioBridge answers again (the caller keeps the call meanwhile)."""
        await db(call_media.caller_audio_lost, record)
        await asyncio.to_thread(old.close)
        call.unbridge()
        for _attempt in range(60):  # about a minute
            if call.ended.is_set():
                return None
            try:
                room = await asyncio.to_thread(
                    self.audiobridge.ensure_room,
                    meeting_id=str(meeting.pk),
                    rec_dir=str(recordings_dir_for(meeting.pk)),
                )
                leg = await asyncio.to_thread(self._open_leg, call, room, user)
            except MediaError:
                await asyncio.sleep(1.0)
                continue
            await db(
                call_media.caller_audio_restored,
                record,
                participant_id=leg.participant_id,
                server=self.audiobridge.name,
            )
            self.bridges.restore(meeting.pk, audio_room=room)
            return leg
        await call.hangup("media_unavailable")
        return None


def main() -> None:
    """``prachum-sipgw``: the gateway with the settings of ``config.settings``."""
    import os

    import django
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    call_command("sipgw")
