"""Exceptions shared by the apps' services."""


class StaleVersion(Exception):
    """A write on a version of an object that changed since the caller read it: refused, nothing saved.

    Each app's service raises its own subclass (`StaleCaseFile`, `StaleSectorBudget`, ...) carrying
    the French message to show. The pages catch the subclass they expect; the API answers any of
    them with 409 (`cii_platform.core.api.service_refusals`). A subclass may also be a Django
    `ValidationError` (its message is then in `.messages`), so that a form shows it like any
    other refusal.
    """
