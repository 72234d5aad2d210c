"""Legal holds on a meeting or a whole committee: operators only, always audited."""

from __future__ import annotations

from typing import Any

import pytest

from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.evidence.selectors import check_chain, list_events
from prachum.retention import holds, selectors
from prachum.retention.models import AuditLog, LegalHold

pytestmark = pytest.mark.django_db


def test_placing_a_hold_on_a_meeting_is_audited_and_in_its_chain(
    operator: Any, meeting: Any
) -> None:
    hold = holds.place_hold(
        actor=operator,
        meeting=meeting,
        reason="คดีปกครองหมายเลขดำที่ 123/2569",
        reference="หนังสือศาลปกครองกลาง ที่ ศป 0001/1",
    )

    assert list(selectors.active_holds(meeting=meeting)) == [hold]
    entry = AuditLog.objects.get()
    assert (entry.actor, entry.actor_label, entry.action, entry.target) == (
        operator,
        f"user:{operator.pk}",
        "retention.hold_placed",
        meeting.chain_key,
    )
    assert entry.payload == {
        "hold": str(hold.pk),
        "scope": "meeting",
        "reason": "คดีปกครองหมายเลขดำที่ 123/2569",
        "reference": "หนังสือศาลปกครองกลาง ที่ ศป 0001/1",
    }
    last = list_events(chain_key=meeting.chain_key).last()
    assert (last.kind, last.payload["hold"]) == ("retention.hold_placed", str(hold.pk))
    assert check_chain(chain_key=meeting.chain_key).ok
    assert selectors.check_audit_log().ok


def test_a_committee_hold_covers_its_meetings_until_released(
    operator: Any, committee: Any, meeting: Any
) -> None:
    hold = holds.place_hold(
        actor=operator, committee=committee, reason="การตรวจสอบของ สตง."
    )
    assert list(selectors.active_holds(meeting=meeting)) == [hold]

    holds.release_hold(actor=operator, hold=hold, reason="ตรวจสอบเสร็จแล้ว")

    hold.refresh_from_db()
    assert (hold.released_by, hold.release_reason) == (operator, "ตรวจสอบเสร็จแล้ว")
    assert hold.released_at is not None
    assert not selectors.active_holds(meeting=meeting).exists()
    actions = list(AuditLog.objects.values_list("action", "target", "actor"))
    assert actions == [
        ("retention.hold_placed", f"committee:{committee.pk}", operator.pk),
        ("retention.hold_released", f"committee:{committee.pk}", operator.pk),
    ]
    kinds = [e.kind for e in list_events(chain_key=f"committee:{committee.pk}")]
    assert kinds[-2:] == ["retention.hold_placed", "retention.hold_released"]
    assert selectors.check_audit_log().ok


def test_a_hold_is_released_once(operator: Any, meeting: Any) -> None:
    hold = holds.place_hold(actor=operator, meeting=meeting, reason="r")
    holds.release_hold(actor=operator, hold=hold)
    with pytest.raises(ServiceError) as refused:
        holds.release_hold(actor=operator, hold=hold)
    assert refused.value.code == "RETENTION_HOLD_RELEASED"
    assert AuditLog.objects.count() == 2


@pytest.mark.parametrize("who", ["secretary", "chair", "outsider"])
def test_only_an_operator_places_or_releases_a_hold(
    request: Any, who: str, operator: Any, meeting: Any
) -> None:
    person = request.getfixturevalue(who)
    with pytest.raises(PermissionDeniedError):
        holds.place_hold(actor=person, meeting=meeting, reason="r")
    hold = holds.place_hold(actor=operator, meeting=meeting, reason="r")
    with pytest.raises(PermissionDeniedError):
        holds.release_hold(actor=person, hold=hold)
    assert selectors.active_holds(meeting=meeting).exists()
    assert AuditLog.objects.count() == 1


def test_a_hold_needs_a_reason_and_one_target(
    operator: Any, meeting: Any, committee: Any
) -> None:
    with pytest.raises(ServiceError) as no_reason:
        holds.place_hold(actor=operator, meeting=meeting, reason="  ")
    with pytest.raises(ServiceError) as both:
        holds.place_hold(
            actor=operator, meeting=meeting, committee=committee, reason="r"
        )
    with pytest.raises(ServiceError) as neither:
        holds.place_hold(actor=operator, reason="r")
    assert no_reason.value.code == "RETENTION_HOLD_REASON_REQUIRED"
    assert both.value.code == neither.value.code == "RETENTION_HOLD_TARGET"
    assert not LegalHold.objects.exists()
    assert not AuditLog.objects.exists()


def test_a_hold_is_never_deleted(operator: Any, meeting: Any) -> None:
    hold = holds.place_hold(actor=operator, meeting=meeting, reason="r")
    with pytest.raises(PermissionError):
        hold.delete()
    assert LegalHold.objects.filter(pk=hold.pk).exists()
