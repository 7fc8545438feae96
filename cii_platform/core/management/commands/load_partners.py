from typing import Any

from django.core.management.base import BaseCommand

from cii_platform.core.demo import load_partner_services


class Command(BaseCommand):
    help = "Crée ou met à jour les services partenaires et leurs offices (sans comptes de démonstration)."

    def handle(self, *args: Any, **options: Any) -> None:
        created = {"services": 0, "offices": 0}
        load_partner_services(created)
        self.stdout.write(
            f"Services partenaires à jour (créés : {created['services']} services, {created['offices']} offices)."
        )
