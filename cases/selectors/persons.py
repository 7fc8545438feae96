"""Reading persons."""

import datetime as dt

from django.db.models import QuerySet

from cases.models import Person


def person_likely_duplicates(*, first_name: str, last_name: str, birth_date: dt.date) -> QuerySet[Person]:
    """Persons already recorded with the same name and birth date (case-insensitive)."""
    return Person.objects.filter(
        first_name__iexact=first_name.strip(), last_name__iexact=last_name.strip(), birth_date=birth_date
    )
