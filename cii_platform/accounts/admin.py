"""Account management in the admin; every change goes through the account services."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cii_platform.accounts.models import Role, User
from cii_platform.accounts.services import account_set_roles, account_set_service


class AccountForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label=_("Rôles"), choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "job_title", "service", "office", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["roles"].initial = sorted(self.instance.role_codes)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        office, service = data.get("office"), data.get("service")
        if office is not None and office.service_id != getattr(service, "pk", None):
            self.add_error("office", _("Cet office n'appartient pas au service choisi."))
        return data


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    form = AccountForm
    list_display = ["username", "last_name", "first_name", "service", "office", "is_active"]
    list_filter = ["service", "is_active"]
    search_fields = ["username", "last_name", "first_name", "email"]
    list_select_related = ["service", "office"]
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool) -> None:
        if not change:
            obj.set_unusable_password()
        service, office = obj.service, obj.office
        super().save_model(request, obj, form, change)
        account_set_service(user=obj, service=service, office=office, changed_by=request.user, request=request)  # type: ignore[arg-type]
        account_set_roles(user=obj, roles=form.cleaned_data["roles"], changed_by=request.user, request=request)  # type: ignore[arg-type]

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False  # accounts are deactivated, never deleted: the audit trail refers to them
