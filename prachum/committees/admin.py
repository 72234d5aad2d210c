"""Operators' admin: the Decree s.5 deny-list (data with effective dates).

Agencies, committees and rosters change only through the services (and so the evidence
chain): agencies on Prachum's own pages (/committees/agencies/); the admin shows them
read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from prachum.committees.models import Agency, Committee, Membership, ScopeDenyEntry


@admin.register(ScopeDenyEntry)
class ScopeDenyEntryAdmin(admin.ModelAdmin[ScopeDenyEntry]):
    list_display = ("kind", "value", "valid_from", "valid_to", "source")
    list_filter = ("kind",)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Agency)
class AgencyAdmin(ReadOnlyAdmin):
    list_display = ("name", "letter_code", "next_letter_number", "thai_digits")


@admin.register(Committee)
class CommitteeAdmin(ReadOnlyAdmin):
    list_display = ("name", "agency", "category", "quorum_kind")


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("committee", "user", "role", "is_voting")
    list_filter = ("role",)
