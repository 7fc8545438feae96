"""factory_boy factories of the label's tests: partner companies, CNIP training programmes, internships.

They write rows directly (no service, no audit): use them to set up a test, and the services when the
test is about the services. `valid_uid(n)` gives a UID with a correct check digit.
"""

import datetime as dt

import factory
from stdnum.ch import uid

from cii_platform.accounts.models import User
from labels.models import Canton, Internship, PartnerCompany, TrainingProgramme


def valid_uid(serial: int) -> str:
    """A valid Swiss company identifier (CHE-XXX.XXX.XXX with its check digit), a different one for each `serial`.

    Built from the even number 10'000'000 + 2 × serial; when its check digit would be 10 (numbers never
    issued), from the next (odd) number, whose check digit is then valid.
    """
    number = 10_000_000 + 2 * serial
    check = uid.calc_check_digit(f"{number:08d}")
    if len(check) > 1:
        number += 1
        check = uid.calc_check_digit(f"{number:08d}")
    return str(uid.format(f"CHE{number:08d}{check}"))


class UserFactory(factory.django.DjangoModelFactory):
    """A bare account (no role): the author of rows built by the factories."""

    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"labels.author{n}")


class PartnerCompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerCompany

    name = factory.Sequence(lambda n: f"Entreprise {n}")
    uid = ""
    canton = Canton.NE
    locality = "Neuchâtel"
    branch = "Commerce de détail"
    active = True


class TrainingProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingProgramme
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"formation-{n}")
    name = factory.LazyAttribute(lambda o: f"Formation {o.code}")
    active = True


class InternshipFactory(factory.django.DjangoModelFactory):
    """An unfinished internship of 2020 (6 January to 27 March); pass `finished`/`employed_on_last_day` as needed."""

    class Meta:
        model = Internship

    company = factory.SubFactory(PartnerCompanyFactory)
    intern_pseudonym = factory.Sequence(lambda n: f"Stagiaire {n:03d}")
    programme = factory.SubFactory(TrainingProgrammeFactory)
    starts_on = dt.date(2020, 1, 6)
    ends_on = dt.date(2020, 3, 27)
    finished = False
    employed_on_last_day = False
    created_by = factory.SubFactory(UserFactory)
