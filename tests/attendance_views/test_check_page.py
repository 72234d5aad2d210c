"""The identity check page (แสดงตน): a fresh code, the location, the device check."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from django.core import mail
from django.urls import reverse

from prachum.attendance.models import CheckMethod, IdentityCheck, LocationKind
from prachum.evidence.selectors import list_events
from prachum.meetings.models import Meeting, MeetingStatus
from tests.conftest import BANGKOK
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db


def _check(meeting: Meeting) -> str:
    return reverse("attendance:check", kwargs={"pk": meeting.pk})


def _room(meeting: Meeting) -> str:
    return reverse("attendance:room", kwargs={"pk": meeting.pk})


def test_a_fresh_login_code_is_enough(
    notified_meeting: Meeting,
    member: Any,
    client_for: Callable[..., Any],
    factor_at: Callable[..., Any],
) -> None:
    factor_at(member, minutes_ago=3)
    client = client_for(member)
    page = client.get(_check(notified_meeting)).content.decode()
    assert 'name="code"' not in page
    assert 'id="device-check"' in page

    response = client.post(
        _check(notified_meeting), {"location": "remote", "device_ok": "on"}
    )

    assert response.status_code == 302
    assert response["Location"] == _room(notified_meeting)
    check = IdentityCheck.objects.get(meeting=notified_meeting, user=member)
    assert check.method == CheckMethod.SECOND_FACTOR
    assert check.factors == 2
    assert check.device_ok is True
    assert check.location == LocationKind.REMOTE
    assert check.in_kingdom is None
    assert check.ip_address == "127.0.0.1"
    assert check.user_agent.startswith("Mozilla/5.0 (Prachum view test)")
    assert client.get(_room(notified_meeting)).status_code == 200


def test_a_stale_second_factor_is_refused_without_a_new_code(
    notified_meeting: Meeting,
    member: Any,
    client_for: Callable[..., Any],
    factor_at: Callable[..., Any],
) -> None:
    factor_at(member, minutes_ago=11)
    client = client_for(member, "en")
    assert 'name="code"' in client.get(_check(notified_meeting)).content.decode()

    response = client.post(
        _check(notified_meeting), {"location": "remote", "device_ok": "on"}
    )

    assert response.status_code == 400
    assert "Enter the one-time code to confirm it is you." in response.content.decode()
    assert not IdentityCheck.objects.filter(meeting=notified_meeting).exists()
    assert client.get(_room(notified_meeting)).status_code == 302


def test_a_stale_second_factor_and_a_wrong_code_are_refused_in_thai(
    notified_meeting: Meeting,
    member: Any,
    client_for: Callable[..., Any],
    factor_at: Callable[..., Any],
    totp_user: Callable[[Any], str],
) -> None:
    secret = totp_user(member)
    factor_at(member, minutes_ago=30)
    wrong = f"{(int(pyotp.TOTP(secret).now()) + 1) % 1_000_000:06d}"

    response = client_for(member, "th").post(
        _check(notified_meeting),
        {"code": wrong, "location": "remote", "device_ok": "on"},
    )

    assert response.status_code == 400
    assert "รหัสไม่ถูกต้อง" in response.content.decode()
    assert not IdentityCheck.objects.filter(meeting=notified_meeting).exists()


def test_a_new_authenticator_code_refreshes_the_second_factor(
    notified_meeting: Meeting,
    member: Any,
    client_for: Callable[..., Any],
    factor_at: Callable[..., Any],
    totp_user: Callable[[Any], str],
) -> None:
    secret = totp_user(member)
    factor_at(member, minutes_ago=30)

    response = client_for(member).post(
        _check(notified_meeting),
        {"code": pyotp.TOTP(secret).now(), "location": "remote", "device_ok": "on"},
    )

    assert response.status_code == 302
    check = IdentityCheck.objects.get(meeting=notified_meeting, user=member)
    assert check.factor == "totp"
    assert (
        dt.timedelta(0) <= check.at - check.second_factor_at < dt.timedelta(seconds=5)
    )


def test_an_email_code_user_asks_for_a_code_and_sees_it_in_demo_mode(
    notified_meeting: Meeting,
    member: Any,
    client_for: Callable[..., Any],
    factor_at: Callable[..., Any],
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.EMAIL_BACKEND = "prachum.core.mail.RawEmailBackend"
    settings.EMAIL_OUTBOX_DIR = tmp_path / "outbox"
    settings.DEMO_MODE = True
    factor_at(member, minutes_ago=30)
    client = client_for(member, "en")
    page = client.get(_check(notified_meeting)).content.decode()
    assert 'id="send-code"' in page
    assert "No log-in code for you was found in the outbox yet." in page

    sent = client.post(
        reverse("attendance:send_code", kwargs={"pk": notified_meeting.pk})
    )
    assert sent["Location"] == _check(notified_meeting)
    page = client.get(_check(notified_meeting)).content.decode()
    shown = re.search(r"<pre>.*?\b(\d{6})\b.*?</pre>", page, re.DOTALL)
    assert shown is not None
    code = shown.group(1)
    response = client.post(
        _check(notified_meeting),
        {"code": code, "location": "remote", "device_ok": "on"},
    )

    assert response.status_code == 302
    check = IdentityCheck.objects.get(meeting=notified_meeting, user=member)
    assert check.factor == "email"
    assert mail.outbox == []  # written to the outbox folder, not sent


def test_the_device_check_must_be_confirmed(
    notified_meeting: Meeting,
    member: Any,
    client_for: Callable[..., Any],
    factor_at: Callable[..., Any],
) -> None:
    factor_at(member)

    response = client_for(member, "en").post(
        _check(notified_meeting), {"location": "remote"}
    )

    assert response.status_code == 400
    assert "Confirm that your microphone and speaker work" in (
        response.content.decode()
    )
    assert not IdentityCheck.objects.exists()


def test_a_hybrid_meeting_offers_its_room(
    hybrid_meeting: Meeting,
    member: Any,
    client_for: Callable[..., Any],
    factor_at: Callable[..., Any],
) -> None:
    factor_at(member)
    client = client_for(member)
    page = client.get(_check(hybrid_meeting)).content.decode()
    assert 'value="remote"' in page
    assert 'value="in_room"' in page
    assert "ห้องประชุม 301" in page

    client.post(_check(hybrid_meeting), {"location": "in_room", "device_ok": "on"})

    check = IdentityCheck.objects.get(meeting=hybrid_meeting, user=member)
    assert check.location == LocationKind.IN_ROOM
    assert check.room == "ห้องประชุม 301"
    event = list_events(chain_key=hybrid_meeting.chain_key).last()
    assert event.kind == "participant.identity_confirmed"
    assert event.payload["room"] == "ห้องประชุม 301"


def test_a_legacy_meeting_asks_for_the_kingdom(
    committee: Any,
    member: Any,
    client_for: Callable[..., Any],
    factor_at: Callable[..., Any],
) -> None:
    meeting = MeetingFactory(
        committee=committee,
        notified=True,
        starts_at=dt.datetime(2019, 6, 3, 10, 0, tzinfo=BANGKOK),
    )
    factor_at(member)
    client = client_for(member, "en")
    assert 'name="in_kingdom"' in client.get(_check(meeting)).content.decode()

    refused = client.post(_check(meeting), {"location": "remote", "device_ok": "on"})
    assert refused.status_code == 400
    assert "every participant must be in the Kingdom" in refused.content.decode()

    client.post(
        _check(meeting), {"location": "remote", "device_ok": "on", "in_kingdom": "on"}
    )
    assert IdentityCheck.objects.get(meeting=meeting, user=member).in_kingdom is True


def test_the_kingdom_question_is_not_asked_today(
    notified_meeting: Meeting,
    member: Any,
    client_for: Callable[..., Any],
    factor_at: Callable[..., Any],
) -> None:
    factor_at(member)
    page = client_for(member).get(_check(notified_meeting)).content.decode()
    assert 'name="in_kingdom"' not in page


def test_a_draft_meeting_has_no_room_yet(
    meeting: Meeting, member: Any, client_for: Callable[..., Any]
) -> None:
    assert meeting.status == MeetingStatus.DRAFT
    page = client_for(member, "en").get(_check(meeting)).content.decode()

    assert "The meeting room is not open for this meeting." in page
    assert 'id="check-form"' not in page


def test_a_remote_participant_may_declare_nobody_else_is_present(
    hybrid_meeting: Meeting,
    member: Any,
    client_for: Callable[..., Any],
    factor_at: Callable[..., Any],
) -> None:
    """R46: the optional declaration is stored on the check and in the evidence."""
    factor_at(member)
    client = client_for(member)
    page = client.get(_check(hybrid_meeting)).content.decode()
    assert 'name="alone_declared"' in page

    client.post(
        _check(hybrid_meeting),
        {"location": "remote", "device_ok": "on", "alone_declared": "on"},
    )

    check = IdentityCheck.objects.get(meeting=hybrid_meeting, user=member)
    assert check.alone_declared is True
    event = list_events(chain_key=hybrid_meeting.chain_key).last()
    assert event.kind == "participant.identity_confirmed"
    assert event.payload["alone_declared"] is True


def test_the_declaration_is_not_kept_for_the_meeting_room(
    hybrid_meeting: Meeting,
    member: Any,
    client_for: Callable[..., Any],
    factor_at: Callable[..., Any],
) -> None:
    factor_at(member)
    client_for(member).post(
        _check(hybrid_meeting),
        {"location": "in_room", "device_ok": "on", "alone_declared": "on"},
    )
    check = IdentityCheck.objects.get(meeting=hybrid_meeting, user=member)
    assert check.alone_declared is False


def test_an_in_room_meeting_does_not_ask_for_the_declaration(
    committee: Any,
    secretary: Any,
    member: Any,
    client_for: Callable[..., Any],
    factor_at: Callable[..., Any],
    hybrid_meeting: Meeting,
) -> None:
    hybrid_meeting.mode = "in_room"
    hybrid_meeting.save(update_fields=["mode"])
    factor_at(member)
    page = client_for(member).get(_check(hybrid_meeting)).content.decode()
    assert 'name="alone_declared"' not in page
    assert 'name="device_ok"' in page
