"""A SIP caller on the Django side (issue 17): the meeting by dial code, the personal
PIN with limited tries, joining the room as a connection with audio (quorum), leaving,
secret items, the chair's mute and removal, a dead gateway."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from prachum.attendance.models import Connection, IdentityCheck, Incident, IncidentKind
from prachum.attendance.sip_access import dial_code_for, pin_for
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.media import presence
from prachum.meetings import services as meeting_services
from prachum.meetings.models import Meeting
from prachum.room import floor as room_floor
from prachum.room import media_controls
from prachum.room import participants as room_participants
from prachum.room import quorum as room_quorum
from prachum.room.incident_text import incident_summary
from prachum.telephony import gateways, services
from prachum.telephony.error_codes import TelephonyError
from prachum.telephony.models import SipCall
from tests.fixtures.room import event_kinds, last_event
from tests.telephony.conftest import GATEWAY_NODE, FakeAudioBridge

pytestmark = pytest.mark.django_db


def _wrong(pin: str) -> str:
    return "111111" if pin != "111111" else "222222"


def test_a_call_is_traffic_data_and_enters_the_meetings_chain_with_its_meeting(
    sip_meeting: Meeting, new_call: Callable[..., SipCall]
) -> None:
    call = new_call()
    assert call.meeting is None
    assert services.find_meeting(call, "999") is None
    assert services.find_meeting(call, dial_code_for(sip_meeting)) == sip_meeting
    call.refresh_from_db()
    assert call.meeting == sip_meeting
    started = last_event(sip_meeting, "sip.call_started")
    assert started.payload["sip_uri"] == call.sip_uri
    assert started.payload["source_ip"] == "198.51.100.20"
    assert started.payload["source_port"] == call.source_port
    assert started.payload["codec"] == "pcma"


def test_three_wrong_pins_end_the_call_with_an_incident_in_the_chain(
    sip_meeting: Meeting, new_call: Callable[..., SipCall], members: list[Any]
) -> None:
    call = new_call()
    services.find_meeting(call, dial_code_for(sip_meeting))
    wrong = _wrong(pin_for(sip_meeting, members[2]))
    for _try in range(2):
        assert services.try_pin(call, sip_meeting, wrong) is None
    assert not Incident.objects.filter(meeting=sip_meeting).exclude(
        kind__in=[IncidentKind.QUORUM_REGAINED, IncidentKind.QUORUM_LOST]
    )
    with pytest.raises(ServiceError) as refused:
        services.try_pin(call, sip_meeting, wrong)
    assert refused.value.code == TelephonyError.PIN_TRIES_EXHAUSTED
    call.refresh_from_db()
    assert call.failed_pin_tries == 3
    incident = Incident.objects.get(meeting=sip_meeting, kind=IncidentKind.OTHER)
    assert incident.description.startswith("SIP_PIN_TRIES_EXHAUSTED")
    assert "198.51.100.20" in incident.description
    assert incident_summary(kind=incident.kind, description=incident.description)
    assert event_kinds(sip_meeting).count("sip.pin_failed") == 3
    assert "incident.recorded" in event_kinds(sip_meeting)
    services.caller_left(call, "hangup")
    ended = last_event(sip_meeting, "sip.call_ended")
    assert ended.payload["failed_pin_tries"] == 3


def test_the_right_pin_after_a_wrong_one_identifies_the_member(
    sip_meeting: Meeting, new_call: Callable[..., SipCall], members: list[Any]
) -> None:
    call = new_call()
    pin = pin_for(sip_meeting, members[2])
    assert services.try_pin(call, sip_meeting, _wrong(pin)) is None
    assert services.try_pin(call, sip_meeting, pin) == members[2]


def test_a_caller_counts_for_quorum_with_audio_up_and_stops_after_leaving(
    settings: Any,
    sip_meeting: Meeting,
    dial_in: Callable[..., SipCall],
    members: list[Any],
) -> None:
    settings.MEDIA_PRESENCE_ENFORCED = True
    before = room_quorum.live_quorum(meeting=sip_meeting).counted  # no browser audio
    call = dial_in(members[2], sip_meeting)
    assert call.connection is not None
    assert call.connection.channel_name == f"sip:{call.call_id}"
    assert call.connection.auth_method == "sip_pin:pin"
    assert call.connection.ip_address == "198.51.100.20"
    assert call.connection.port == call.source_port
    check = IdentityCheck.objects.get(pk=call.connection.identity_check_id)
    assert (check.method, check.factors, check.location) == ("sip_pin", 1, "remote")
    assert presence.has_audio(meeting_id=sip_meeting.pk, user_id=members[2].pk)
    assert room_quorum.live_quorum(meeting=sip_meeting).counted == before + 1
    kinds = event_kinds(sip_meeting)
    assert kinds.index("participant.identity_confirmed") < len(kinds)
    joined = last_event(sip_meeting, "attendance.joined")
    assert joined.payload["connection"] == str(call.connection_id)
    identified = last_event(sip_meeting, "sip.call_identified")
    assert identified.payload["codec"] == "pcma"
    assert identified.payload["sip_uri"] == call.sip_uri

    services.caller_left(call, "bye")
    assert room_quorum.live_quorum(meeting=sip_meeting).counted == before
    assert not presence.has_audio(meeting_id=sip_meeting.pk, user_id=members[2].pk)
    connection = Connection.objects.get(pk=call.connection_id)
    assert connection.disconnect_reason == "left"
    assert not Incident.objects.filter(
        meeting=sip_meeting, kind=IncidentKind.CONNECTION_LOST
    ).exists()
    assert services.call_should_end(call) == "bye"


def test_a_dropped_call_is_an_incident_like_a_dropped_socket(
    sip_meeting: Meeting, dial_in: Callable[..., SipCall], members: list[Any]
) -> None:
    call = dial_in(members[3], sip_meeting)
    services.caller_left(call, "rtp_timeout")
    assert Connection.objects.get(pk=call.connection_id).disconnect_reason == "lost"
    lost = Incident.objects.get(meeting=sip_meeting, kind=IncidentKind.CONNECTION_LOST)
    assert lost.subject == members[3]
    assert last_event(sip_meeting, "sip.call_ended").payload["reason"] == "rtp_timeout"


def test_a_caller_leaves_for_a_secret_item_like_a_remote_member_on_one_factor(
    notified_meeting: Meeting,
    open_room: Callable[[Meeting], Meeting],
    django_capture_on_commit_callbacks: Any,
    dial_in: Callable[..., SipCall],
    new_call: Callable[..., SipCall],
    members: list[Any],
    chair: Any,
    secretary: Any,
) -> None:
    secret = meeting_services.add_agenda_item(
        actor=secretary, meeting=notified_meeting, title="เรื่องลับ", is_secret=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        meeting = open_room(notified_meeting)
    call = dial_in(members[2], meeting)
    assert services.call_should_end(call) is None
    room_floor.set_current_item(actor=chair, meeting=meeting, item=secret)
    assert services.call_should_end(call) == "not_allowed_for_item"
    # Dialling in again during the secret item is refused, as a one-factor entry is.
    again = new_call()
    assert services.find_meeting(again, dial_code_for(meeting)) == meeting
    assert services.try_pin(again, meeting, pin_for(meeting, members[2])) == members[2]
    with pytest.raises(PermissionDeniedError):
        services.caller_joined(again, members[2], meeting, 7999, "janus-ab")
    again.refresh_from_db()
    assert again.connection_id is None


def test_the_chairs_mute_unmute_and_removal_reach_the_callers_audio(
    sip_meeting: Meeting,
    dial_in: Callable[..., SipCall],
    members: list[Any],
    chair: Any,
    audio_bridge: FakeAudioBridge,
    django_capture_on_commit_callbacks: Any,
) -> None:
    call = dial_in(members[2], sip_meeting)
    assert call.audio_room is not None
    assert call.audio_participant is not None
    leg = (call.audio_room, call.audio_participant)
    done = media_controls.mute_participant(
        actor=chair, meeting=sip_meeting, user=members[2]
    )
    assert call.audio_participant in done
    assert audio_bridge.muted[leg] is True
    media_controls.request_unmute(actor=chair, meeting=sip_meeting, user=members[2])
    assert audio_bridge.muted[leg] is False
    assert last_event(sip_meeting, "media.participant_muted").payload[
        "participants"
    ] == [call.audio_participant]

    with django_capture_on_commit_callbacks(execute=True):
        room_participants.remove_participant(
            actor=chair, meeting=sip_meeting, user=members[2], reason="ก่อความวุ่นวาย"
        )
    assert audio_bridge.kicked == [leg]
    assert services.call_should_end(call) == "removed"
    services.caller_left(call, "hangup")
    assert services.call_should_end(call) == "hangup"


def test_a_removed_member_cannot_dial_back_in(
    sip_meeting: Meeting,
    new_call: Callable[..., SipCall],
    members: list[Any],
    chair: Any,
    audio_bridge: FakeAudioBridge,
) -> None:
    room_participants.remove_participant(
        actor=chair, meeting=sip_meeting, user=members[2], reason="ก่อความวุ่นวาย"
    )
    call = new_call()
    services.find_meeting(call, dial_code_for(sip_meeting))
    with pytest.raises(PermissionDeniedError):
        services.caller_joined(call, members[2], sip_meeting, 7100, "janus-ab")
    assert call.connection_id is None


def test_the_calls_end_when_the_meeting_closes(
    sip_meeting: Meeting,
    dial_in: Callable[..., SipCall],
    members: list[Any],
    chair: Any,
) -> None:
    from prachum.room import lifecycle

    call = dial_in(members[2], sip_meeting)
    lifecycle.close_meeting(actor=chair, meeting=sip_meeting)
    assert services.call_should_end(call) in {"closed", "meeting_closed"}


def test_a_sip_address_identifies_only_through_the_agencys_vcs(
    sip_meeting: Meeting, new_call: Callable[..., SipCall], members: list[Any]
) -> None:
    address = members[2].email
    outside = new_call(from_uri=f'"VCS" <sip:{address};transport=tls>')
    assert services.trusted_member(outside, sip_meeting) is None
    through_vcs = new_call(
        from_uri=f"sip:{address}", source_ip="192.0.2.5", source_port=5060
    )
    assert services.trusted_member(through_vcs, sip_meeting) == members[2]
    by_certificate = new_call(
        from_uri="sip:room-301@vcs.example.go.th",
        asserted_identity=f"<sip:{address.upper()}>",
        transport="tls",
        tls_client_verified=True,
    )
    assert services.trust_of(by_certificate) == "vcs_tls"
    assert services.trusted_member(by_certificate, sip_meeting) == members[2]
    unknown = new_call(from_uri="sip:nobody@example.net", source_ip="192.0.2.6")
    assert services.trusted_member(unknown, sip_meeting) is None


def test_a_dead_gateway_is_an_incident_within_five_seconds_and_its_calls_end(
    sip_meeting: Meeting, dial_in: Callable[..., SipCall], members: list[Any]
) -> None:
    beat = timezone.now()
    gateways.gateway_alive(GATEWAY_NODE, now=beat)
    call = dial_in(members[2], sip_meeting)
    assert gateways.check_gateways(now=beat + dt.timedelta(seconds=2)) == []
    assert gateways.check_gateways(now=beat + dt.timedelta(seconds=4)) == [GATEWAY_NODE]
    down = Incident.objects.get(
        meeting=sip_meeting, description__startswith="MEDIA_SERVER_DOWN: sipgw:"
    )
    assert down.at - beat < dt.timedelta(seconds=5)
    call.refresh_from_db()
    assert call.end_reason == "gateway_down"
    assert Connection.objects.get(pk=call.connection_id).disconnect_reason == "lost"
    assert "sip.gateway_down" in event_kinds(sip_meeting)
    # Reported once, not every second.
    assert gateways.check_gateways(now=beat + dt.timedelta(seconds=6)) == []


def test_a_starting_gateway_ends_the_calls_its_node_left(
    sip_meeting: Meeting, dial_in: Callable[..., SipCall], members: list[Any]
) -> None:
    call = dial_in(members[2], sip_meeting)
    assert gateways.gateway_started(GATEWAY_NODE) == 1
    call.refresh_from_db()
    assert call.end_reason == "gateway_restarted"
    assert Connection.objects.get(pk=call.connection_id).disconnected_at is not None
