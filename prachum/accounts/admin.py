"""The operators' view of accounts. The TOTP secret is never shown or editable.

Issue 15 F3: e-mail, password, the active, operator and superuser flags, groups and
permissions are read-only here, and the admin's change-password page is refused, so
nobody changes an account without a trace: those acts are on Prachum's own
operator pages (:mod:`prachum.accounts.operator_views`), each an event in the
person's chain and a mail to the person. A person added here gets no password: an
invitation to set one goes to their address.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from prachum.accounts import factors, invitations, login
from prachum.accounts.models import User

if TYPE_CHECKING:
    _BaseUserAdmin = DjangoUserAdmin[User]
else:
    _BaseUserAdmin = DjangoUserAdmin


class PersonCreationForm(forms.ModelForm[User]):
    """A new person without a password; the invitation lets them set one."""

    class Meta:
        model = User
        fields = ("username", "email", "title", "full_name", "position")

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


# Changed only through services that record evidence (operator_acts, factors, login).
EVIDENCED_FIELDS = (
    "email",
    "password_state",
    "is_active",
    "is_staff",
    "is_superuser",
    "groups",
    "user_permissions",
    "second_factor",
    "totp_confirmed_at",
    "failed_logins",
    "failed_second_factors",
    "locked_until",
)


@admin.register(User)
class UserAdmin(_BaseUserAdmin):
    add_form = PersonCreationForm
    fieldsets = (
        (None, {"fields": ("username", "password_state")}),
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
                "fields": ("username", "email", "title", "full_name", "position"),
            },
        ),
    )
    # Account and factor state change only through services (recorded as evidence).
    readonly_fields = (*EVIDENCED_FIELDS, "last_login", "date_joined")
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

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        # A new person's e-mail is typed once; afterwards it is read-only.
        return () if obj is None else self.readonly_fields

    @admin.display(description=_("Password"))
    def password_state(self, obj: User) -> str:
        if obj.has_usable_password():
            return str(_("Set by the person (change it on the operator pages)"))
        return str(_("Not set"))

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        # Passwords are reset on the operator pages: a mailed link, as evidence.
        raise PermissionDenied

    def save_model(
        self, request: HttpRequest, obj: User, form: Any, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        actor = request.user
        if not change and isinstance(actor, User):
            transaction.on_commit(
                lambda: invitations.invite_quietly(actor=actor, user=obj)
            )

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
