from django.contrib.admin import apps as admin_apps


class PlatformAdminConfig(admin_apps.AdminConfig):
    """The Django admin with the platform's site (platform administrators only)."""

    default_site = "cii_platform.core.admin_site.PlatformAdminSite"
