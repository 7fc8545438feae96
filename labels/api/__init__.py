"""The REST API of the Label Intégration, for the platform's router (`cii_platform/urls.py`).

Companies, programmes and internships (CNIP staff only), editions with their ranking and jury
(CNIP staff and the edition's jury members); everyone else gets the 404 of a missing page.
"""

from labels.api import companies, editions, internships

router_registrations = [
    *companies.router_registrations,
    *internships.router_registrations,
    *editions.router_registrations,
]
