"""Authentication events go to the audit trail; login stamps the session."""

import time
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from cii_platform.accounts.middleware import SESSION_LOGIN_STAMP, SESSION_RENEWED_STAMP
from cii_platform.accounts.models import User
from cii_platform.audit.models import AuditAction
from cii_platform.audit.services import audit_record


@receiver(user_logged_in)
def on_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = time.time()
        # Logging in saves the session: that is its first renewal.
        request.session[SESSION_LOGIN_STAMP] = request.session[SESSION_RENEWED_STAMP] = now
    audit_record(action=AuditAction.LOGIN, actor=user, request=request)


@receiver(user_logged_out)
def on_logout(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit_record(action=AuditAction.LOGOUT, actor=user, request=request)


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    audit_record(
        action=AuditAction.LOGIN_FAILED,
        actor=None,
        actor_username=str(credentials.get("username", ""))[:150],
        request=request,
    )


@receiver(user_locked_out)
def on_lockout(
    sender: Any, request: HttpRequest | None, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    audit_record(action=AuditAction.LOCKOUT, actor=None, actor_username=(username or "")[:150], request=request)
