"""The operators' admin changes policies and holds only through the services, so every
change is validated and audited; the audit log cannot be edited there."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from prachum.retention.admin import LegalHoldForm, RetentionPolicyForm
from prachum.retention.models import AuditLog, LegalHold, RetentionPolicy

pytestmark = pytest.mark.django_db


def _request(user: Any) -> Any:
    request = RequestFactory().post("/ops/admin/")
    request.user = user
    return request


def test_a_policy_added_in_the_admin_goes_through_the_service(operator: Any) -> None:
    form = RetentionPolicyForm(
        data={
            "record_class": "login_audit",
            "keep_days": "1096",
            "source": "บัญชีการเก็บรักษา ลำดับ 7",
            "effective_from": "2027-01-01",
        }
    )
    assert form.is_valid(), form.errors
    policy = form.save(commit=False)
    site._registry[RetentionPolicy].save_model(_request(operator), policy, form, False)

    assert RetentionPolicy.objects.get(pk=policy.pk).created_by == operator
    entry = AuditLog.objects.get()
    assert (entry.action, entry.payload["keep_days"]) == ("retention.policy_set", 1096)


def test_the_admin_form_refuses_a_policy_starting_before_the_current() -> None:
    form = RetentionPolicyForm(
        data={
            "record_class": "login_audit",
            "keep_days": "1096",
            "source": "x",
            "effective_from": "2020-04-19",
        }
    )
    assert not form.is_valid()


def test_a_hold_placed_and_released_in_the_admin_is_audited(
    operator: Any, meeting: Any
) -> None:
    form = LegalHoldForm(data={"meeting": str(meeting.pk), "reason": "คดีที่ 2/2569"})
    assert form.is_valid(), form.errors
    model_admin = site._registry[LegalHold]
    model_admin.save_model(_request(operator), form.save(commit=False), form, False)
    hold = LegalHold.objects.get()
    assert (hold.scope, hold.placed_by) == ("meeting", operator)

    model_admin.release(_request(operator), LegalHold.objects.all())

    hold.refresh_from_db()
    assert hold.released_by == operator
    assert list(AuditLog.objects.values_list("action", flat=True)) == [
        "retention.hold_placed",
        "retention.hold_released",
    ]


def test_the_audit_log_is_read_only_in_the_admin(operator: Any) -> None:
    model_admin = site._registry[AuditLog]
    request = _request(operator)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_a_hold_form_needs_exactly_one_target(meeting: Any, committee: Any) -> None:
    both = LegalHoldForm(
        data={"meeting": str(meeting.pk), "committee": str(committee.pk), "reason": "r"}
    )
    neither = LegalHoldForm(data={"reason": "r"})
    assert not both.is_valid()
    assert not neither.is_valid()
