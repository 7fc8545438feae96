"""Reading staff accounts."""

from django.db.models import QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from cii_platform.accounts.models import User


def totp_device_for(*, user: User, confirmed: bool) -> TOTPDevice | None:
    """The user's TOTP device (the confirmed one, or the one being enrolled)."""
    devices: QuerySet[TOTPDevice] = TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("id")
    return devices.first()
