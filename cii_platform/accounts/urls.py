from django.urls import path

from cii_platform.accounts import views

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.LogoutView.as_view(), name="logout"),
    path("second-facteur/", views.second_factor, name="second_factor"),
]
