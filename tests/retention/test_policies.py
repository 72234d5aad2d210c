"""Retention policies: the defaults and their sources, the CCA floor, audited changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.retention import schedule, selectors
from prachum.retention.admin import RetentionPolicyForm
from prachum.retention.models import AuditLog, RetentionPolicy

pytestmark = pytest.mark.django_db


def test_the_data_migration_enters_the_defaults_with_their_sources() -> None:
    policies = {
        p.record_class: p for p in RetentionPolicy.objects.filter(created_by=None)
    }
    assert {c: p.keep_days for c, p in policies.items()} == {
        "traffic_data": 90,
        "minutes_package": 3653,
        "documents": 3653,
        "login_audit": 731,
    }
    assert "s.26" in policies["traffic_data"].source
    assert policies["minutes_package"].source.startswith("UNVERIFIED DEFAULT")
    assert "National Archives Act" in policies["minutes_package"].source
    assert all(p.effective_to is None for p in policies.values())
    period = selectors.policy_in_force("traffic_data")
    assert period is not None
    assert period.keep_days == 90


@pytest.mark.parametrize("days", [0, 30, 89])
def test_a_policy_below_the_floor_is_refused(operator: Any, days: int) -> None:
    with pytest.raises(ServiceError) as refused:
        schedule.set_policy(
            actor=operator,
            record_class="traffic_data",
            keep_days=days,
            source="คำสั่งสำนักงาน ที่ 1/2569",
            effective_from=dt.date(2027, 1, 1),
        )
    assert refused.value.code == "RETENTION_POLICY_BELOW_FLOOR"
    assert RetentionPolicy.objects.filter(record_class="traffic_data").count() == 1
    assert not AuditLog.objects.exists()


def test_the_model_and_the_admin_form_refuse_it_too() -> None:
    policy = RetentionPolicy(
        record_class="traffic_data",
        keep_days=60,
        source="x",
        effective_from=dt.date(2027, 1, 1),
    )
    with pytest.raises(ValidationError) as invalid:
        policy.full_clean()
    assert "keep_days" in invalid.value.message_dict
    form = RetentionPolicyForm(
        data={
            "record_class": "traffic_data",
            "keep_days": "60",
            "source": "x",
            "effective_from": "2027-01-01",
        }
    )
    assert not form.is_valid()
    assert "keep_days" in form.errors


def test_a_new_policy_ends_the_previous_one_and_is_audited(operator: Any) -> None:
    policy = schedule.set_policy(
        actor=operator,
        record_class="minutes_package",
        keep_days=7305,
        source="บัญชีการเก็บรักษาเอกสาร ปี 2569 ลำดับ 12",
        effective_from=dt.date(2027, 1, 1),
    )
    previous = RetentionPolicy.objects.get(
        record_class="minutes_package", created_by=None
    )
    assert previous.effective_to == dt.date(2026, 12, 31)
    assert (
        selectors.policy_in_force("minutes_package", on=dt.date(2026, 12, 31)).keep_days
        == 3653
    )
    assert (
        selectors.policy_in_force("minutes_package", on=dt.date(2027, 1, 1)).keep_days
        == 7305
    )
    entry = AuditLog.objects.get()
    assert (entry.action, entry.target, entry.actor) == (
        "retention.policy_set",
        "policy:minutes_package",
        operator,
    )
    assert entry.payload["policy"] == policy.pk
    assert entry.payload["previous"] == {
        "policy": previous.pk,
        "effective_to": "2026-12-31",
    }


def test_a_policy_must_start_after_the_current_one(operator: Any) -> None:
    with pytest.raises(ServiceError) as refused:
        schedule.set_policy(
            actor=operator,
            record_class="login_audit",
            keep_days=1000,
            source="x",
            effective_from=dt.date(2020, 4, 19),
        )
    assert refused.value.code == "RETENTION_POLICY_NOT_AFTER_CURRENT"


def test_only_an_operator_sets_a_policy(secretary: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        schedule.set_policy(
            actor=secretary,
            record_class="login_audit",
            keep_days=1000,
            source="x",
            effective_from=dt.date(2027, 1, 1),
        )
