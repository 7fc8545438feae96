"""Case-file pages: thin views over the selectors."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cases.selectors import case_get_for_reading, case_page_visible


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    page = case_page_visible(user=request.user, after=request.GET.get("apres"))  # type: ignore[arg-type]
    return render(request, "cases/case_list.html", {"page": page})


@login_required
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_get_for_reading(user=request.user, reference=reference, request=request)  # type: ignore[arg-type]
    return render(request, "cases/case_detail.html", {"case": case})
