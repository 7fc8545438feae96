"""Authentication backend: Django's, with the account's service and office read along with it."""

from typing import Any

from django.contrib.auth.backends import ModelBackend

from cii_platform.accounts.models import User


class AccountBackend(ModelBackend):
    """`ModelBackend` whose per-request account comes with its service and office in the same query.

    Every page shows them (header, navigation, access gate); reading them with the
    account saves two queries per request.
    """

    def get_user(self, user_id: Any) -> User | None:
        user = User.objects.select_related("service", "office").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
