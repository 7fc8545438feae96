"""The routes of the API of the parts of a case file, for the platform's router (`cii_platform/urls.py`).

Each is nested under its case (`cases/{reference}/<part>/`); see `cases.api.common`.
"""

from cases.api import action_plans, assessments, consents, journal, referrals

router_registrations = [
    *consents.router_registrations,
    *assessments.router_registrations,
    *action_plans.router_registrations,
    *journal.router_registrations,
    *referrals.router_registrations,
]
