import getpass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cii_platform.accounts.models import Role
from cii_platform.accounts.services import account_create
from cii_platform.partners.models import PartnerService
from cii_platform.partners.services import service_ensure


class Command(BaseCommand):
    help = "Crée le premier compte d'administration de la plateforme (accès à l'admin, pas aux dossiers)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--service", default="semp", help="code du service d'appartenance (défaut : semp)")

    def handle(self, *args: Any, **options: Any) -> None:
        service = PartnerService.objects.filter(code=options["service"]).first()
        if service is None:
            service = service_ensure(code=options["service"], name=options["service"].upper())
        password = getpass.getpass("Mot de passe : ")
        if password != getpass.getpass("Mot de passe (confirmation) : "):
            raise CommandError("Les deux mots de passe diffèrent.")
        try:
            validate_password(password)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        account_create(
            username=options["username"],
            first_name=options["first_name"],
            last_name=options["last_name"],
            email=options["email"],
            service=service,
            roles=(Role.PLATFORM_ADMIN,),
            password=password,
        )
        self.stdout.write(f"Compte {options['username']} créé.")
