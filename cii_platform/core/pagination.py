"""Pagination without COUNT(*): lists can grow to millions of rows."""

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import Model, QuerySet
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class KeysetPage(Generic[M]):
    rows: list[M]
    next_after: int | None


def parse_cursor(after: str | None) -> int | None:
    """The id in a "next page" cursor, or None for the first page (or a malformed cursor)."""
    return int(after) if after and after.isdigit() else None


def keyset_page(queryset: QuerySet[M], *, after: str | None, size: int = 50) -> KeysetPage[M]:
    """One page of `queryset` (ordered by descending id) after the id `after`, and the next cursor.

    Reads `size + 1` rows and never counts the whole set.
    """
    qs = queryset.order_by("-id")
    cursor = parse_cursor(after)
    if cursor is not None:
        qs = qs.filter(id__lt=cursor)
    rows = list(qs[: size + 1])
    next_after = rows[size - 1].pk if len(rows) > size else None
    return KeysetPage(rows=rows[:size], next_after=next_after)


class KeysetPagination(BasePagination):
    """API pages of 50 rows, newest first, with a `next` link and no count.

    The cursor parameter is the same as the pages' (`apres`); a view whose
    selector takes `before_id` should pass `parse_cursor(...)` of it, so that the
    access sub-query is bounded too.
    """

    page_size = 50
    cursor_query_param = "apres"

    def paginate_queryset(self, queryset: QuerySet[Any], request: Request, view: Any = None) -> list[Any]:
        self.request = request
        self.page = keyset_page(queryset, after=request.query_params.get(self.cursor_query_param), size=self.page_size)
        return self.page.rows

    def get_next_link(self) -> str | None:
        if self.page.next_after is None:
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.cursor_query_param, self.page.next_after)

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }
