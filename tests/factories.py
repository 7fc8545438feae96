"""factory_boy factories shared by the tests."""

import factory
from django.contrib.auth.models import Group

from cases.models import CaseFile
from cii_platform.partners.models import Office, PartnerService


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


class CaseFileFactory(factory.django.DjangoModelFactory):
    """A bare case file with no grant; use `cases.services.case_open` for a granted one."""

    class Meta:
        model = CaseFile

    reference = factory.Sequence(lambda n: f"CII-2026-{n + 90000:05d}")
    lead_service = factory.SubFactory(PartnerServiceFactory)
