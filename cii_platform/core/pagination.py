"""Pagination without COUNT(*): lists can grow to millions of rows."""

from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db.models import Model, QuerySet
from rest_framework.pagination import CursorPagination


class NewestFirstCursorPagination(CursorPagination):
    ordering = "-id"
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class KeysetPage(Generic[M]):
    rows: list[M]
    next_after: int | None


def keyset_page(queryset: QuerySet[M], *, after: str | None, size: int = 50) -> KeysetPage[M]:
    """One page of `queryset` (ordered by descending id) after the id `after`, and the next cursor.

    Reads `size + 1` rows and never counts the whole set.
    """
    qs = queryset.order_by("-id")
    if after and after.isdigit():
        qs = qs.filter(id__lt=int(after))
    rows = list(qs[: size + 1])
    next_after = rows[size - 1].pk if len(rows) > size else None
    return KeysetPage(rows=rows[:size], next_after=next_after)
