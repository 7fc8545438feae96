from django.contrib import admin

from cii_platform.partners.models import Office, PartnerService


class OfficeInline(admin.TabularInline):
    model = Office
    extra = 0


@admin.register(PartnerService)
class PartnerServiceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "legal_frame"]
    readonly_fields = ["permission_group"]
    inlines = [OfficeInline]

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
