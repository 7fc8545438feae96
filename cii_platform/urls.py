from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from cases.api.views import CaseFileViewSet

router = DefaultRouter()
router.register("cases", CaseFileViewSet, basename="case")

urlpatterns = [
    path("", include("cii_platform.core.urls")),
    path("compte/", include("cii_platform.accounts.urls")),
    path("dossiers/", include("cases.urls")),
    path("audit/", include("cii_platform.audit.urls")),
    path("rapports/", include("cii_platform.reports.urls")),
    path("admin/", admin.site.urls),
    path("api/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

handler500 = "cii_platform.core.views.server_error"
