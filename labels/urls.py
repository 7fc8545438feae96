"""Pages of the Label Intégration; each part declares its own patterns in its views module."""

from labels.views import companies, editions, programmes, verification

app_name = "labels"
urlpatterns = [
    *verification.urlpatterns,
    *companies.urlpatterns,
    *programmes.urlpatterns,
    *editions.urlpatterns,
]
