from typing import Any

from django.core.management.base import BaseCommand

from cii_platform.access import access_model_wide_leaks
from cii_platform.core.demo import DEMO_PASSWORD, load_demo_canton


class Command(BaseCommand):
    help = "Charge le canton de démonstration (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        created = load_demo_canton()
        leaks = list(access_model_wide_leaks())
        if leaks:
            raise SystemExit(f"Permissions globales interdites sur les groupes de service : {leaks}")
        summary = ", ".join(f"{count} {kind}" for kind, count in created.items())
        self.stdout.write(f"Canton de démonstration prêt (créés : {summary}).")
        self.stdout.write(f"Mot de passe de tous les comptes de démonstration : {DEMO_PASSWORD}")
