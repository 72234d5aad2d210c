"""A SIP call's life on the Django side (issue 17): traffic data, the meeting, the PIN,
joining and leaving the room as a connection (R13-R16, R22, R37, R42, R45).

Sync services; the gateway calls them through ``asyncio.to_thread``. Each change of a
call is written with its evidence event in the meeting's chain in one transaction; a
call that never reached a meeting is traffic data only (no meeting, no chain).

A caller is an ordinary participant: an identity check (method ``sip_pin``, one
factor, remote), a connection on channel ``sip:<Call-ID>`` and an audio interval
(the AudioBridge participant), so quorum, secret items (a one-factor check does not
count under a secret meeting or item: R15, the same rule as a remote member vouched
for) and removal treat callers like anyone.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prachum.attendance.identity import ENTERABLE, require_enterable, validate_location
from prachum.attendance.models import (
    CheckMethod,
    Connection,
    IdentityCheck,
    IncidentKind,
    LocationKind,
)
from prachum.attendance.sip_access import meeting_by_dial_code, member_by_pin
from prachum.committees.models import Membership
from prachum.core.errors import ServiceError
from prachum.evidence.services import append_event
from prachum.media import presence
from prachum.meetings.models import Meeting
from prachum.room.connections import close_connection, open_connection
from prachum.room.events import RoomEvent
from prachum.room.incident_text import SIP_PIN_TRIES_EXHAUSTED
from prachum.room.incidents import create_incident
from prachum.room.quorum import refresh_quorum
from prachum.room.snapshot import participant
from prachum.room.state import commit_room_change, lock_room
from prachum.telephony.error_codes import TelephonyError
from prachum.telephony.events import TelephonyEvent
from prachum.telephony.models import SipCall

#: How a call ends (``Call.end_reason``) -> the connection's reason: a caller who
#: hung up left; anything else dropped them (an incident, as a dropped socket).
LEFT_REASONS = frozenset({"bye", "cancel", "left"})
SIP_CHANNEL_PREFIX = "sip:"


@dataclass(frozen=True)
class CallInfo:
    """What the gateway knows of a call when it is answered (plain values)."""

    call_id: str
    from_uri: str
    source_ip: str
    source_port: int
    transport: str
    codec: str
    server_node: str
    asserted_identity: str = ""
    request_uri: str = ""
    dialled: str = ""
    user_agent: str = ""
    tls_client_verified: bool = False
    answered_at: dt.datetime | None = None


def call_facts(call: SipCall) -> dict[str, Any]:
    """The call's traffic data as the chain and ``sip_calls.json`` hold it."""
    return {
        "call": str(call.id),
        "call_id": call.call_id,
        "sip_uri": call.sip_uri,
        "asserted_identity": call.asserted_identity,
        "request_uri": call.request_uri,
        "source_ip": call.source_ip,
        "source_port": call.source_port,
        "transport": call.transport,
        "tls_client_verified": call.tls_client_verified,
        "codec": call.codec,
        "user_agent": call.user_agent,
        "server_node": call.server_node,
        "started_at": call.started_at.isoformat(),
    }


def call_started(info: CallInfo) -> SipCall:
    """Record a new call (traffic data; the meeting's chain once it is known)."""
    call, _created = SipCall.objects.get_or_create(
        server_node=info.server_node[:100],
        call_id=info.call_id[:200],
        defaults={
            "sip_uri": info.from_uri[:400],
            "asserted_identity": info.asserted_identity[:400],
            "request_uri": info.request_uri[:400],
            "dialled": info.dialled[:100],
            "source_ip": info.source_ip,
            "source_port": info.source_port,
            "transport": info.transport[:4],
            "tls_client_verified": info.tls_client_verified,
            "codec": info.codec[:10],
            "user_agent": info.user_agent[:400],
            "started_at": info.answered_at or timezone.now(),
        },
    )
    return call


def find_meeting(call: SipCall, dialled_or_code: str) -> Meeting | None:
    """The meeting for the dialled address or the code keyed in; the call enters that
    meeting's chain (``sip.call_started``). ``None``: no enterable meeting has it."""
    meeting = meeting_by_dial_code(dialled_or_code)
    if meeting is None:
        return None
    with transaction.atomic():
        call = SipCall.objects.select_for_update().get(pk=call.pk)
        if call.meeting_id is None:
            call.meeting = meeting
            call.save(update_fields=["meeting"])
            append_event(
                chain_key=meeting.chain_key,
                kind=TelephonyEvent.SIP_CALL_STARTED,
                actor=None,
                payload={**call_facts(call), "meeting": str(meeting.pk)},
            )
    return meeting


def try_pin(call: SipCall, meeting: Meeting, pin: str) -> Any | None:
    """The member whose personal PIN this is, or ``None`` (R13, R14).

    Each wrong PIN is in the meeting's chain (``sip.pin_failed``); at the
    ``SIP_PIN_TRIES``-th the call must end: an incident is raised in the meeting and
    ``PIN_TRIES_EXHAUSTED`` is raised (after both are committed).
    """
    user = member_by_pin(meeting, pin)
    if user is not None:
        return user
    with transaction.atomic():
        locked = SipCall.objects.select_for_update().get(pk=call.pk)
        locked.failed_pin_tries += 1
        locked.save(update_fields=["failed_pin_tries"])
        call.failed_pin_tries = locked.failed_pin_tries
        append_event(
            chain_key=meeting.chain_key,
            kind=TelephonyEvent.SIP_PIN_FAILED,
            actor=None,
            payload={
                "call": str(call.id),
                "tries": locked.failed_pin_tries,
                "source_ip": locked.source_ip,
                "source_port": locked.source_port,
            },
        )
        exhausted = locked.failed_pin_tries >= settings.SIP_PIN_TRIES
        if exhausted:
            create_incident(
                meeting,
                kind=IncidentKind.OTHER,
                reported_by=None,
                subject=None,
                description=(
                    f"{SIP_PIN_TRIES_EXHAUSTED}: {locked.sip_uri} from "
                    f"{locked.source_ip}:{locked.source_port} "
                    f"({locked.failed_pin_tries})"
                ),
            )
    if exhausted:
        raise ServiceError(
            TelephonyError.PIN_TRIES_EXHAUSTED,
            _("Too many wrong PINs. The call ends."),
        )
    return None


def _is_trusted_source(ip: str) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for entry in settings.SIP_TRUSTED_SOURCES:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def _uri_address(uri: str) -> str:
    """``user@host`` of a SIP URI (``"Name" <sip:user@host;tag>`` -> ``user@host``)."""
    text = uri.strip()
    if "<" in text and ">" in text:
        text = text[text.index("<") + 1 : text.index(">")]
    for scheme in ("sips:", "sip:", "tel:"):
        if text.lower().startswith(scheme):
            text = text[len(scheme) :]
            break
    return text.split(";", 1)[0].split("?", 1)[0].strip().lower()


def trust_of(call: SipCall) -> str:
    """How the call provably came through the agency's VCS: ``vcs_tls`` (a client
    certificate of its CA), ``vcs_source`` (a configured address), or ``""``."""
    if call.transport == "tls" and call.tls_client_verified:
        return "vcs_tls"
    if _is_trusted_source(call.source_ip):
        return "vcs_source"
    return ""


def trusted_member(call: SipCall, meeting: Meeting) -> Any | None:
    """The member the call's SIP address names, only when the call provably came
    through the agency's VCS (R13, R45); the address (P-Asserted-Identity, else From)
    is matched with the member's e-mail address (``user@domain``)."""
    if not trust_of(call):
        return None
    address = _uri_address(call.asserted_identity or call.sip_uri)
    if "@" not in address:
        return None
    membership = (
        Membership.objects.filter(
            committee=meeting.committee, user__email__iexact=address
        )
        .select_related("user")
        .first()
    )
    return membership.user if membership is not None else None


def caller_joined(
    call: SipCall,
    user: Any,
    meeting: Meeting,
    participant_id: int,
    server: str,
    *,
    audio_room: int | None = None,
    identified_by: str = "pin",
) -> Connection:
    """The identified caller enters the room with audio up (R13, R16, R22).

    One transaction: the identity check (``sip_pin``, one factor, remote, with the
    call's address and device), the audio interval of the AudioBridge participant
    (``server``, ``participant_id``), the connection ``sip:<Call-ID>`` (quorum
    recomputed with both) and ``sip.call_identified``. Refused as any entry is
    (removed, not enterable, a secret meeting or item needing two factors, an
    invitee not admitted); nothing is written then.
    """
    call.refresh_from_db()
    if call.ended_at is not None:
        raise ServiceError(TelephonyError.CALL_ENDED, _("The call has ended."))
    require_enterable(meeting, user)
    validate_location(meeting, LocationKind.REMOTE, "", None)
    with transaction.atomic():
        room = lock_room(meeting)
        now = timezone.now()
        check = IdentityCheck.objects.create(
            meeting=meeting,
            user=user,
            method=CheckMethod.SIP_PIN,
            factor=identified_by[:20],
            factors=1,
            location=LocationKind.REMOTE,
            room="",
            in_kingdom=None,
            device_ok=True,  # two-way audio is up: the caller hears the prompts
            performed_by=user,
            at=now,
            ip_address=call.source_ip,
            user_agent=call.user_agent[:400],
        )
        commit_room_change(
            room,
            actor=user,
            kind=RoomEvent.PARTICIPANT_IDENTITY_CONFIRMED,
            payload={
                "check": str(check.id),
                "user": str(user.pk),
                "method": check.method,
                "factor": check.factor,
                "factors": check.factors,
                "location": check.location,
                "room": check.room,
                "in_kingdom": check.in_kingdom,
                "device_ok": check.device_ok,
                "alone_declared": check.alone_declared,
                "performed_by": str(user.pk),
                "ip": check.ip_address,
                "user_agent": check.user_agent,
                "sip_call": str(call.id),
            },
            patch={
                "participant": participant(meeting=room.meeting, user_id=user.pk),
                "quorum": refresh_quorum(room, actor=user),
            },
        )
        presence.start_audio(
            meeting_id=meeting.pk,
            user_id=user.pk,
            server=server,
            handle_id=participant_id,
            connection_key=f"{SIP_CHANNEL_PREFIX}{call.call_id}",
            at=now,
        )
        connection = open_connection(
            meeting=meeting,
            user=user,
            channel_name=f"{SIP_CHANNEL_PREFIX}{call.call_id}",
            session_key=f"{call.server_node}:{call.call_id}",
            ip_address=call.source_ip,
            port=call.source_port,
            user_agent=call.user_agent,
        )
        call.meeting = meeting
        call.user = user
        call.identified_by = identified_by[:20]
        call.identified_at = now
        call.connection = connection
        call.media_server = server[:100]
        call.audio_room = audio_room
        call.audio_participant = participant_id
        call.save(
            update_fields=[
                "meeting",
                "user",
                "identified_by",
                "identified_at",
                "connection",
                "media_server",
                "audio_room",
                "audio_participant",
            ]
        )
        room = lock_room(meeting)
        commit_room_change(
            room,
            actor=user,
            kind=RoomEvent.MEDIA_PRESENCE_CHANGED,
            payload={
                "changes": [
                    {
                        "user": str(user.pk),
                        "audio_up": True,
                        "at": now.isoformat(),
                        "reason": "sip",
                    }
                ]
            },
            patch={"quorum": refresh_quorum(room, actor=user)},
        )
        append_event(
            chain_key=meeting.chain_key,
            kind=TelephonyEvent.SIP_CALL_IDENTIFIED,
            actor=user,
            payload={
                "call": str(call.id),
                "user": str(user.pk),
                "identified_by": call.identified_by,
                "check": str(check.id),
                "connection": str(connection.id),
                "codec": call.codec,
                "source_ip": call.source_ip,
                "source_port": call.source_port,
                "sip_uri": call.sip_uri,
                "media_server": call.media_server,
                "audio_participant": participant_id,
                "at": now.isoformat(),
            },
        )
    return connection


def caller_left(call: SipCall, reason: str) -> SipCall:
    """The call ended (``Call.end_reason``, or ``lost``/``gateway_down`` from here).

    The audio interval ends; the connection closes as ``left`` for a hang-up and as
    ``lost`` otherwise (an incident, as a dropped socket, while the meeting is open);
    ``sip.call_ended`` closes the call in the chain. Idempotent.
    """
    with transaction.atomic():
        call = SipCall.objects.select_for_update().get(pk=call.pk)
        if call.ended_at is not None:
            return call
        now = timezone.now()
        if call.user_id is not None and call.meeting_id is not None:
            presence.stop_audio(
                meeting_id=call.meeting_id,
                user_id=call.user_id,
                server=call.media_server,
                handle_id=call.audio_participant,
                at=now,
                reason=f"sip_{reason}"[:40],
            )
        if call.connection_id is not None:
            close_connection(
                connection_id=call.connection_id,
                reason="left" if reason in LEFT_REASONS else "lost",
                at=now,
            )
        call.ended_at = now
        call.end_reason = reason[:40]
        call.save(update_fields=["ended_at", "end_reason"])
        if call.meeting_id is not None:
            meeting = Meeting.objects.get(pk=call.meeting_id)
            append_event(
                chain_key=meeting.chain_key,
                kind=TelephonyEvent.SIP_CALL_ENDED,
                actor=None,
                payload={
                    "call": str(call.id),
                    "reason": call.end_reason,
                    "connection": str(call.connection_id)
                    if call.connection_id
                    else None,
                    "failed_pin_tries": call.failed_pin_tries,
                    "at": now.isoformat(),
                },
            )
    return call


def call_should_end(call: SipCall) -> str | None:
    """Why the gateway must hang up now, or ``None``: the room closed the caller's
    connection (``removed``, ``not_allowed_for_item``, ``closed``, ...), the meeting
    can no longer be entered (``meeting_closed``) or the call ended already."""
    row = (
        SipCall.objects.filter(pk=call.pk)
        .values("ended_at", "end_reason", "connection_id", "meeting_id")
        .first()
    )
    if row is None:
        return "ended"
    if row["ended_at"] is not None:
        return str(row["end_reason"] or "ended")
    if row["connection_id"] is not None:
        connection = (
            Connection.objects.filter(pk=row["connection_id"])
            .values("disconnected_at", "disconnect_reason")
            .first()
        )
        if connection is not None and connection["disconnected_at"] is not None:
            return str(connection["disconnect_reason"] or "closed")
    if row["meeting_id"] is not None:
        status = (
            Meeting.objects.filter(pk=row["meeting_id"])
            .values_list("status", flat=True)
            .first()
        )
        if status not in ENTERABLE:
            return "meeting_closed"
    return None
