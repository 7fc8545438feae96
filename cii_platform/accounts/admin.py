"""Account management in the admin (platform administrators only).

Roles, service and office go through the account services, which keep the
service's permission group and the admin permissions in step and audit the change.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cii_platform.accounts.models import Role, User
from cii_platform.accounts.services import account_set_roles, account_set_service
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record


class _ServiceAndRolesMixin(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label=_("Rôles"), choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].required = True
        if self.instance.pk:
            self.fields["roles"].initial = sorted(self.instance.role_codes)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        office, service = data.get("office"), data.get("service")
        if office is not None and office.service_id != getattr(service, "pk", None):
            self.add_error("office", _("Cet office n'appartient pas au service choisi."))
        return data


class AccountChangeForm(_ServiceAndRolesMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = ["username", "first_name", "last_name", "email", "job_title", "service", "office", "is_active"]


class AccountCreationForm(_ServiceAndRolesMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ["username", "first_name", "last_name", "email", "job_title", "service", "office"]


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    form = AccountChangeForm
    add_form = AccountCreationForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Identité"), {"fields": ("first_name", "last_name", "email", "job_title")}),
        (_("Service et rôles"), {"fields": ("service", "office", "roles")}),
        (_("Statut"), {"fields": ("is_active", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "job_title",
                    "service",
                    "office",
                    "roles",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    readonly_fields = ["last_login", "date_joined"]
    list_display = ["username", "last_name", "first_name", "service", "office", "is_active"]
    list_filter = ["service", "is_active"]
    search_fields = ["username", "last_name", "first_name", "email"]
    list_select_related = ["service", "office"]
    filter_horizontal = ()
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool) -> None:
        service, office = obj.service, obj.office
        super().save_model(request, obj, form, change)
        actor: User = request.user  # type: ignore[assignment]
        if not change:
            audit_record(action=AuditAction.CREATE, actor=actor, obj=obj, request=request)
        account_set_service(user=obj, service=service, office=office, changed_by=actor, request=request)
        account_set_roles(user=obj, roles=form.cleaned_data["roles"], changed_by=actor, request=request)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False  # accounts are deactivated, never deleted: the audit trail refers to them
