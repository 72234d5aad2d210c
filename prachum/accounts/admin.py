"""The operators' view of accounts. The TOTP secret is never shown or editable."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from prachum.accounts import factors, login
from prachum.accounts.models import User

if TYPE_CHECKING:
    _BaseUserAdmin = DjangoUserAdmin[User]
else:
    _BaseUserAdmin = DjangoUserAdmin


@admin.register(User)
class UserAdmin(_BaseUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Person"),
            {"fields": ("title", "full_name", "email", "position", "phone")},
        ),
        (
            _("Login protection"),
            {
                "fields": (
                    "second_factor",
                    "totp_confirmed_at",
                    "failed_logins",
                    "failed_second_factors",
                    "locked_until",
                )
            },
        ),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "email",
                    "title",
                    "full_name",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    # Factor state changes only through services (recorded as evidence).
    readonly_fields = (
        "second_factor",
        "totp_confirmed_at",
        "failed_logins",
        "failed_second_factors",
        "locked_until",
        "last_login",
        "date_joined",
    )
    list_display = (
        "username",
        "full_name",
        "email",
        "second_factor",
        "is_staff",
        "is_active",
        "locked_until",
    )
    list_filter = ("is_staff", "is_superuser", "is_active", "second_factor")
    search_fields = ("username", "full_name", "email")
    ordering = ("username",)
    actions = ["unlock_accounts", "reset_to_email_codes"]

    @admin.action(description=_("Unlock the selected accounts"))
    def unlock_accounts(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor = request.user
        if not isinstance(actor, User):  # pragma: no cover - admin needs a login
            return
        for user in queryset:
            login.unlock_account(user=user, actor=actor)
        self.message_user(request, _("The accounts were unlocked."), messages.SUCCESS)

    @admin.action(
        description=_("Switch the selected accounts back to e-mail codes (lost phone)")
    )
    def reset_to_email_codes(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> None:
        actor = request.user
        if not isinstance(actor, User):  # pragma: no cover - admin needs a login
            return
        for user in queryset:
            factors.switch_to_email_codes(user=user, actor=actor)
        self.message_user(
            request,
            _("The accounts now receive log-in codes by e-mail."),
            messages.SUCCESS,
        )
