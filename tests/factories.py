"""factory_boy factories shared by the tests."""

import datetime as dt

import factory
from django.contrib.auth.models import Group
from stdnum import ean

from cases.models import CaseFile, Person, Programme
from cii_platform.partners.models import Office, PartnerService


def valid_avs(serial: int) -> str:
    """A valid AVS number (EAN-13 check digit) built from `serial`, formatted 756.XXXX.XXXX.XC."""
    digits = f"756{serial:09d}"
    digits += ean.calc_check_digit(digits)
    return f"{digits[:3]}.{digits[3:7]}.{digits[7:11]}.{digits[11:]}"


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"service:test-{n}")


class PartnerServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerService
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"svc{n}")
    name = factory.LazyAttribute(lambda o: f"Service {o.code.upper()}")
    permission_group = factory.SubFactory(
        GroupFactory, name=factory.LazyAttribute(lambda g: f"service:{g.factory_parent.code}")
    )


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office
        django_get_or_create = ("code",)

    service = factory.SubFactory(PartnerServiceFactory)
    code = factory.Sequence(lambda n: f"office-{n}")
    name = factory.LazyAttribute(lambda o: f"Office {o.code}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Iterator(["Marie", "Jean", "Fatima", "Luca", "Aylin", "Samuel", "Nadia", "Kevin"])
    last_name = factory.Iterator(["Perret", "Jacot", "Ahmadi", "Rossi", "Yilmaz", "Matthey", "Benali", "Robert"])
    birth_date = factory.Sequence(lambda n: dt.date(1970, 1, 1) + dt.timedelta(days=97 * n))
    avs_number = factory.Sequence(lambda n: valid_avs(100_000 + n))
    commune = "Neuchâtel"


def programme(code: str = "reseau-cii") -> Programme:
    """A programme loaded by the reference-data migration."""
    return Programme.objects.get(code=code)


def open_case(*, lead_service: PartnerService, opened_by=None, person: Person | None = None, **kwargs) -> CaseFile:  # type: ignore[no-untyped-def]
    """A case signalled through `cases.services.case_open`, for a new person unless one is given."""
    from cases.services import case_open

    return case_open(
        person=person or PersonFactory(),
        programme=kwargs.pop("programme", None) or programme(),
        lead_service=lead_service,
        opened_by=opened_by,
        **kwargs,
    )
