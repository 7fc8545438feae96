"""Pages of the mixed integration measures; each part declares its own patterns in its views module."""

from measures.views import allocation, budgets, hub, inventory, placements, requests, reviews

app_name = "measures"
urlpatterns = [
    *hub.urlpatterns,
    *inventory.urlpatterns,
    *budgets.urlpatterns,
    *requests.urlpatterns,
    *allocation.urlpatterns,
    *placements.urlpatterns,
    *reviews.urlpatterns,
]
