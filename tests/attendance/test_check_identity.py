"""Identity checks before entering (Decree s.9(1); MDES 2563 process 1; R13-R16)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from prachum.accounts.models import SecondFactorVerification
from prachum.attendance import selectors as attendance_selectors
from prachum.attendance.models import CheckMethod, IdentityCheck, LocationKind
from prachum.committees.models import Committee
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.domain.thai_dates import BANGKOK
from prachum.evidence.selectors import list_events
from prachum.meetings import services as meeting_services
from prachum.meetings.models import Meeting, MeetingStatus
from prachum.room import facts as room_facts
from prachum.room import floor as room_floor
from prachum.room import participants as room_participants
from prachum.room import quorum as room_quorum
from prachum.room import snapshot as room_snapshot
from prachum.room import state as room_state
from tests.factories import MeetingFactory
from tests.fixtures.room import USER_AGENT, event_kinds

pytestmark = pytest.mark.django_db


def _check(meeting: Meeting, user: Any, **kwargs: Any) -> IdentityCheck:
    values: dict[str, Any] = {
        "location": LocationKind.REMOTE,
        "device_ok": True,
        "ip_address": "203.0.113.77",
        "user_agent": USER_AGENT,
    }
    values.update(kwargs)
    return room_participants.check_identity(meeting=meeting, user=user, **values)


def _refused(code: str, meeting: Meeting, user: Any, **kwargs: Any) -> ServiceError:
    before = IdentityCheck.objects.count(), event_kinds(meeting)
    with pytest.raises(ServiceError) as caught:
        _check(meeting, user, **kwargs)
    assert caught.value.code == code
    assert (IdentityCheck.objects.count(), event_kinds(meeting)) == before
    return caught.value


def test_a_fresh_second_factor_confirms_the_member_and_is_recorded(
    notified_meeting: Meeting, member: Any, fresh_factor: Callable[..., Any]
) -> None:
    verification = fresh_factor(member, "email")

    check = _check(notified_meeting, member)

    check = IdentityCheck.objects.get(pk=check.pk)
    assert (check.meeting, check.user, check.performed_by) == (
        notified_meeting,
        member,
        member,
    )
    assert (check.method, check.factor, check.factors) == (
        CheckMethod.SECOND_FACTOR,
        "email",
        2,
    )
    assert check.second_factor_at == verification.at
    assert (check.location, check.room, check.device_ok) == ("remote", "", True)
    assert (check.ip_address, check.user_agent) == ("203.0.113.77", USER_AGENT)
    assert (
        attendance_selectors.current_check(meeting=notified_meeting, user=member)
        == check
    )

    event = list_events(chain_key=notified_meeting.chain_key).last()
    assert event.kind == "participant.identity_confirmed"
    assert event.actor == member
    assert event.payload == {
        "check": str(check.pk),
        "user": str(member.pk),
        "method": "second_factor",
        "factor": "email",
        "factors": 2,
        "location": "remote",
        "room": "",
        "in_kingdom": None,
        "device_ok": True,
        "alone_declared": False,
        "performed_by": str(member.pk),
        "ip": "203.0.113.77",
        "user_agent": USER_AGENT,
        "room_version": 1,
    }
    assert room_facts.get_room(meeting=notified_meeting).version == 1


def test_a_second_factor_older_than_the_window_is_not_fresh(
    notified_meeting: Meeting,
    member: Any,
    fresh_factor: Callable[..., Any],
    settings: Any,
) -> None:
    minutes = settings.IDENTITY_CHECK_FRESH_MINUTES
    with time_machine.travel(timezone.now() - dt.timedelta(minutes=minutes, seconds=5)):
        fresh_factor(member)

    error = _refused("SECOND_FACTOR_NOT_FRESH", notified_meeting, member)
    assert error.field == "code"

    # The same code entered a little later (inside the window) is fresh.
    with time_machine.travel(timezone.now() - dt.timedelta(minutes=minutes - 1)):
        fresh_factor(member)
    assert _check(notified_meeting, member).factors == 2


def test_without_any_second_factor_the_check_is_refused(
    notified_meeting: Meeting, member: Any
) -> None:
    _refused("SECOND_FACTOR_NOT_FRESH", notified_meeting, member)


def test_someone_elses_second_factor_does_not_count(
    notified_meeting: Meeting,
    member: Any,
    vice_chair: Any,
    fresh_factor: Callable[..., Any],
) -> None:
    fresh_factor(vice_chair)
    _refused("SECOND_FACTOR_NOT_FRESH", notified_meeting, member)


def test_the_device_check_must_be_confirmed(
    notified_meeting: Meeting, member: Any, fresh_factor: Callable[..., Any]
) -> None:
    fresh_factor(member)
    error = _refused("DEVICE_CHECK_REQUIRED", notified_meeting, member, device_ok=False)
    assert error.field == "device_ok"


def test_an_outsider_is_refused_even_with_a_fresh_factor(
    notified_meeting: Meeting, outsider: Any, fresh_factor: Callable[..., Any]
) -> None:
    fresh_factor(outsider)
    error = _refused("NOT_PARTICIPANT", notified_meeting, outsider)
    assert isinstance(error, PermissionDeniedError)


def test_there_is_no_room_to_be_in_at_an_electronic_only_meeting(
    notified_meeting: Meeting, member: Any, fresh_factor: Callable[..., Any]
) -> None:
    fresh_factor(member)
    _refused("NO_ROOM", notified_meeting, member, location=LocationKind.IN_ROOM)
    _refused("BAD_LOCATION", notified_meeting, member, location="on the moon")


def test_in_the_room_at_a_hybrid_meeting_records_the_venue(
    hybrid_meeting: Meeting, member: Any, fresh_factor: Callable[..., Any]
) -> None:
    fresh_factor(member)
    check = _check(hybrid_meeting, member, location=LocationKind.IN_ROOM)
    assert (check.location, check.room) == ("in_room", "ห้องประชุม 301")


def test_the_room_is_closed_to_checks_before_the_notice_and_after_closing(
    meeting: Meeting,
    member: Any,
    fresh_factor: Callable[..., Any],
) -> None:
    fresh_factor(member)
    assert meeting.status == MeetingStatus.DRAFT
    _refused("ROOM_NOT_AVAILABLE", meeting, member)
    Meeting.objects.filter(pk=meeting.pk).update(status=MeetingStatus.CLOSED)
    meeting.refresh_from_db()
    _refused("ROOM_NOT_AVAILABLE", meeting, member)


def test_under_ncpo_74_every_participant_must_say_they_are_in_the_kingdom(
    committee: Committee, member: Any, fresh_factor: Callable[..., Any]
) -> None:
    # schedule_meeting refuses a past date, so the 2019 meeting is built as a row.
    legacy = MeetingFactory(
        committee=committee,
        buddhist_year=2562,
        starts_at=dt.datetime(2019, 6, 1, 10, 0, tzinfo=BANGKOK),
        notified=True,
    )
    fresh_factor(member)
    for in_kingdom in (None, False):
        error = _refused(
            "LEGACY_OUTSIDE_KINGDOM", legacy, member, in_kingdom=in_kingdom
        )
        assert error.field == "in_kingdom"

    check = _check(legacy, member, in_kingdom=True)
    assert check.in_kingdom is True
    assert event_kinds(legacy) == ["participant.identity_confirmed"]


def test_under_the_decree_being_abroad_is_allowed(
    notified_meeting: Meeting, member: Any, fresh_factor: Callable[..., Any]
) -> None:
    fresh_factor(member)
    assert _check(notified_meeting, member, in_kingdom=False).in_kingdom is False


def test_a_removed_participant_cannot_check_in_again(
    notified_meeting: Meeting,
    chair: Any,
    member: Any,
    fresh_factor: Callable[..., Any],
) -> None:
    room_participants.remove_participant(
        actor=chair, meeting=notified_meeting, user=member, reason="ก่อความวุ่นวาย"
    )
    fresh_factor(member)
    error = _refused("REMOVED", notified_meeting, member)
    assert isinstance(error, PermissionDeniedError)


# --- vouching and signing in at the room (MDES 2563; R14) ---------------------------


@pytest.mark.parametrize("voucher", ["chair", "secretary"])
def test_the_chair_or_secretary_vouches_and_is_recorded_as_the_voucher(
    request: pytest.FixtureRequest,
    voucher: str,
    notified_meeting: Meeting,
    member: Any,
) -> None:
    actor = request.getfixturevalue(voucher)

    check = room_participants.vouch_identity(
        actor=actor,
        meeting=notified_meeting,
        user=member,
        location=LocationKind.REMOTE,
        note="  เห็นหน้าทางวิดีโอ  ",
    )

    check = IdentityCheck.objects.get(pk=check.pk)
    assert (check.method, check.factors, check.factor) == ("vouched", 1, "")
    assert (check.user, check.performed_by) == (member, actor)
    assert check.second_factor_at is None
    event = list_events(chain_key=notified_meeting.chain_key).last()
    assert event.kind == "participant.identity_confirmed"
    assert event.actor == actor
    assert event.payload["performed_by"] == str(actor.pk)
    assert event.payload["user"] == str(member.pk)
    assert event.payload["method"] == "vouched"
    assert event.payload["note"] == "เห็นหน้าทางวิดีโอ"
    assert (
        attendance_selectors.current_check(meeting=notified_meeting, user=member)
        == check
    )


@pytest.mark.parametrize("voucher", ["vice_chair", "member", "outsider"])
def test_only_the_chair_or_secretary_may_vouch(
    request: pytest.FixtureRequest,
    voucher: str,
    notified_meeting: Meeting,
    members: list[Any],
) -> None:
    actor = request.getfixturevalue(voucher)
    with pytest.raises(PermissionDeniedError) as caught:
        room_participants.vouch_identity(
            actor=actor,
            meeting=notified_meeting,
            user=members[5],
            location=LocationKind.REMOTE,
        )
    assert caught.value.code == "NOT_ALLOWED"
    assert not IdentityCheck.objects.exists()


@pytest.mark.parametrize("who", ["chair", "secretary"])
def test_nobody_vouches_for_themselves(
    request: pytest.FixtureRequest, who: str, notified_meeting: Meeting
) -> None:
    actor = request.getfixturevalue(who)
    with pytest.raises(ServiceError) as caught:
        room_participants.vouch_identity(
            actor=actor,
            meeting=notified_meeting,
            user=actor,
            location=LocationKind.REMOTE,
        )
    assert caught.value.code == "SELF_VOUCH"
    assert not IdentityCheck.objects.exists()


def test_nobody_vouches_an_outsider_in(
    notified_meeting: Meeting, chair: Any, outsider: Any
) -> None:
    with pytest.raises(PermissionDeniedError) as caught:
        room_participants.vouch_identity(
            actor=chair,
            meeting=notified_meeting,
            user=outsider,
            location=LocationKind.REMOTE,
        )
    assert caught.value.code == "NOT_PARTICIPANT"


def test_the_secretary_signs_in_a_member_at_a_hybrid_meetings_room(
    hybrid_meeting: Meeting, secretary: Any, member: Any
) -> None:
    check = room_participants.sign_in_at_room(
        actor=secretary, meeting=hybrid_meeting, user=member
    )
    check = IdentityCheck.objects.get(pk=check.pk)
    assert (check.method, check.factors, check.performed_by) == (
        "room_sign_in",
        1,
        secretary,
    )
    assert (check.location, check.room, check.in_kingdom) == (
        "in_room",
        "ห้องประชุม 301",
        True,
    )
    confirmed, joined = list(list_events(chain_key=hybrid_meeting.chain_key))[-2:]
    assert (confirmed.kind, confirmed.actor, confirmed.payload["method"]) == (
        "participant.identity_confirmed",
        secretary,
        "room_sign_in",
    )
    # present at the room from now on, with who signed them in (issue 13)
    assert (joined.kind, joined.payload["channel"], joined.payload["user"]) == (
        "attendance.joined",
        "room",
        str(member.pk),
    )
    assert joined.payload["signed_in_by"] == str(secretary.pk)


def test_signing_in_at_the_room_is_only_for_hybrid_meetings(
    notified_meeting: Meeting, secretary: Any, member: Any
) -> None:
    with pytest.raises(ServiceError) as caught:
        room_participants.sign_in_at_room(
            actor=secretary, meeting=notified_meeting, user=member
        )
    assert caught.value.code == "NOT_HYBRID"
    assert not IdentityCheck.objects.exists()


def test_a_member_cannot_sign_others_in(
    hybrid_meeting: Meeting, members: list[Any]
) -> None:
    with pytest.raises(PermissionDeniedError) as caught:
        room_participants.sign_in_at_room(
            actor=members[0], meeting=hybrid_meeting, user=members[1]
        )
    assert caught.value.code == "NOT_ALLOWED"


# --- secret meetings and secret items need two factors (R15) --------------------------


def test_at_a_secret_meeting_a_vouched_member_is_not_identified(
    secret_meeting: Meeting,
    chair: Any,
    members: list[Any],
    identified: Callable[..., IdentityCheck],
    connect: Callable[..., Any],
) -> None:
    vouched, two_factor = members[0], members[1]
    room_participants.vouch_identity(
        actor=chair, meeting=secret_meeting, user=vouched, location="remote"
    )
    check = identified(two_factor, secret_meeting)

    assert (
        attendance_selectors.current_check(meeting=secret_meeting, user=vouched) is None
    )
    assert (
        attendance_selectors.current_check(meeting=secret_meeting, user=two_factor)
        == check
    )
    with pytest.raises(PermissionDeniedError) as caught:
        connect(vouched, secret_meeting)
    assert caught.value.code == "IDENTITY_CHECK_REQUIRED"
    connect(two_factor, secret_meeting)

    quorum = room_quorum.live_quorum(meeting=secret_meeting)
    assert quorum.counted_ids == (str(two_factor.pk),)
    rows = {p["id"]: p for p in room_snapshot.participants(meeting=secret_meeting)}
    assert rows[str(vouched.pk)]["identified"] is False
    assert rows[str(two_factor.pk)]["identified"] is True


def test_a_secret_item_discounts_a_vouched_member_and_closes_their_connection(
    notified_meeting: Meeting,
    chair: Any,
    secretary: Any,
    members: list[Any],
    present: Callable[..., Any],
    connect: Callable[..., Any],
    open_room: Callable[[Meeting], Meeting],
    listen: Callable[[str], Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    secret_item = meeting_services.add_agenda_item(
        actor=secretary, meeting=notified_meeting, title="เรื่องลับ", is_secret=True
    )
    vouched, two_factor = members[4], members[5]
    room_participants.vouch_identity(
        actor=chair, meeting=notified_meeting, user=vouched, location="remote"
    )
    vouched_connection = connect(vouched, notified_meeting)
    present(two_factor, notified_meeting)
    meeting = open_room(notified_meeting)
    counted = room_quorum.live_quorum(meeting=meeting).counted_ids
    assert str(vouched.pk) in counted
    assert str(two_factor.pk) in counted
    assert len(counted) == 6

    vouched_group = listen(room_state.user_group(meeting.pk, vouched.pk))
    other_group = listen(room_state.user_group(meeting.pk, two_factor.pk))
    with django_capture_on_commit_callbacks(execute=True):
        room_floor.set_current_item(actor=chair, meeting=meeting, item=secret_item)

    assert (
        attendance_selectors.current_check(
            meeting=meeting, user=vouched, item=secret_item
        )
        is None
    )
    assert attendance_selectors.current_check(
        meeting=meeting, user=two_factor, item=secret_item
    )
    quorum = room_quorum.live_quorum(meeting=meeting)
    assert str(vouched.pk) not in quorum.counted_ids
    assert str(two_factor.pk) in quorum.counted_ids
    assert quorum.counted == 5
    # One factor may not stay for a secret item: the socket is closed and told so.
    vouched_connection.refresh_from_db()
    assert vouched_connection.disconnected_at is not None
    assert vouched_connection.disconnect_reason == "not_allowed_for_item"
    assert vouched_group.events() == [
        {"type": "force.close", "reason": "not_allowed_for_item"}
    ]
    assert other_group.events() == []
    event = list_events(chain_key=meeting.chain_key).last()
    assert event.kind == "agenda.item_started"
    assert event.payload["connections_closed"] == [str(vouched_connection.pk)]


def test_a_later_check_replaces_the_earlier_one(
    notified_meeting: Meeting,
    chair: Any,
    member: Any,
    identified: Callable[..., IdentityCheck],
) -> None:
    room_participants.vouch_identity(
        actor=chair, meeting=notified_meeting, user=member, location="remote"
    )
    check = identified(member, notified_meeting)
    assert (
        attendance_selectors.current_check(meeting=notified_meeting, user=member)
        == check
    )
    assert room_facts.get_room(meeting=notified_meeting).version == 2
    assert SecondFactorVerification.objects.filter(user=member).count() == 1
