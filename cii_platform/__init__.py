"""The CII platform: the platform-wide apps and the project configuration."""

from cii_platform.celery import app as celery_app

__all__ = ["celery_app"]
