"""Operators' admin for retention: every change goes through the services, so it is
validated (the CCA floor) and written to the audit log; the audit log is read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from prachum.core.actors import actor_of
from prachum.core.errors import ServiceError
from prachum.retention import holds, rules, schedule
from prachum.retention.models import AuditLog, LegalHold, RetentionPolicy


class _AddOnlyAdmin(admin.ModelAdmin[Any]):
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RetentionPolicyForm(forms.ModelForm[RetentionPolicy]):
    class Meta:
        model = RetentionPolicy
        fields = ["record_class", "keep_days", "source", "effective_from"]

    def clean_keep_days(self) -> int:
        days: int = self.cleaned_data["keep_days"]
        if rules.below_floor(days):
            raise forms.ValidationError(
                "At least %(days)d days (Computer-Related Crime Act s.26).",
                params={"days": rules.CCA_FLOOR_DAYS},
            )
        return days

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        latest = (
            RetentionPolicy.objects.filter(record_class=data.get("record_class"))
            .order_by("-effective_from")
            .first()
        )
        start = data.get("effective_from")
        if latest is not None and start is not None and start <= latest.effective_from:
            raise forms.ValidationError(
                "A new policy must start after %(date)s, when the current one starts.",
                params={"date": latest.effective_from},
            )
        return data


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(_AddOnlyAdmin):
    form = RetentionPolicyForm
    list_display = (
        "record_class",
        "keep_days",
        "effective_from",
        "effective_to",
        "source",
    )
    list_filter = ("record_class",)

    def save_model(
        self, request: HttpRequest, obj: RetentionPolicy, form: Any, change: bool
    ) -> None:
        try:
            saved = schedule.set_policy(
                actor=actor_of(request),
                record_class=obj.record_class,
                keep_days=obj.keep_days,
                source=obj.source,
                effective_from=obj.effective_from,
            )
        except ServiceError as exc:
            self.message_user(request, str(exc), level=messages.ERROR)
            return
        obj.pk = saved.pk


class LegalHoldForm(forms.ModelForm[LegalHold]):
    class Meta:
        model = LegalHold
        fields = ["meeting", "committee", "reason", "reference"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("meeting")) == bool(data.get("committee")):
            raise forms.ValidationError("Choose one meeting or one committee.")
        return data


@admin.register(LegalHold)
class LegalHoldAdmin(_AddOnlyAdmin):
    form = LegalHoldForm
    raw_id_fields = ("meeting", "committee")
    list_display = (
        "target",
        "scope",
        "reason",
        "placed_by",
        "placed_at",
        "released_at",
    )
    list_filter = ("scope",)
    actions = ["release"]

    def save_model(
        self, request: HttpRequest, obj: LegalHold, form: Any, change: bool
    ) -> None:
        try:
            saved = holds.place_hold(
                actor=actor_of(request),
                meeting=obj.meeting,
                committee=obj.committee,
                reason=obj.reason,
                reference=obj.reference,
            )
        except ServiceError as exc:
            self.message_user(request, str(exc), level=messages.ERROR)
            return
        obj.pk = saved.pk

    @admin.action(description="Release the selected holds")
    def release(self, request: HttpRequest, queryset: QuerySet[LegalHold]) -> None:
        for hold in queryset.filter(released_at__isnull=True):
            holds.release_hold(
                actor=actor_of(request), hold=hold, reason="released in the admin"
            )


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin[AuditLog]):
    list_display = ("seq", "at", "actor_label", "action", "target")
    list_filter = ("action",)
    search_fields = ("target", "action")
    readonly_fields = (
        "seq",
        "at",
        "actor",
        "actor_label",
        "action",
        "target",
        "payload",
        "prev_hash",
        "hash",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
