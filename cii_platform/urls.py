from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from cases.api.case_parts import router_registrations as case_part_api_registrations
from cases.api.persons import router_registrations as person_api_registrations
from cases.api.views import CaseFileViewSet
from labels.api import router_registrations as labels_api_registrations
from measures.api.allocation import router_registrations as measures_allocation_api_registrations
from measures.api.budgets import router_registrations as measures_budget_api_registrations
from measures.api.inventory import router_registrations as measures_inventory_api_registrations
from measures.api.placements import router_registrations as measures_placement_api_registrations
from measures.api.requests import router_registrations as measures_request_api_registrations
from measures.api.reviews import router_registrations as measures_review_api_registrations

router = DefaultRouter()
router.register("cases", CaseFileViewSet, basename="case")
# The parts of a case file, nested under it: cases/{reference}/journal/ and so on.
for prefix, viewset, basename in (*person_api_registrations, *case_part_api_registrations):
    router.register(prefix, viewset, basename=basename)
for prefix, viewset, basename in (*measures_request_api_registrations, *measures_placement_api_registrations):
    router.register(prefix, viewset, basename=basename)
for prefix, viewset, basename in (*measures_inventory_api_registrations, *measures_budget_api_registrations):
    router.register(prefix, viewset, basename=basename)
for prefix, viewset, basename in measures_review_api_registrations:
    router.register(prefix, viewset, basename=basename)
for prefix, viewset, basename in measures_allocation_api_registrations:
    router.register(prefix, viewset, basename=basename)
for prefix, viewset, basename in labels_api_registrations:
    router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("", include("cii_platform.core.urls")),
    path("compte/", include("cii_platform.accounts.urls")),
    path("dossiers/", include("cases.urls")),
    path("mesures/", include("measures.urls")),
    path("audit/", include("cii_platform.audit.urls")),
    path("rapports/", include("cii_platform.reports.urls")),
    path("label/", include("labels.urls")),
    path("admin/", admin.site.urls),
    path("api/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI sets style attributes from its script; scripts stay 'self' only.
    path(
        "api/docs/",
        csp_update({"style-src": [UNSAFE_INLINE]})(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]

handler500 = "cii_platform.core.views.server_error"
