"""Accounts under /cuenta/: django-allauth's pages (login, re-authentication, password change, MFA), with
the few it must not serve in SISTRA put in front of them under the same paths."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("logout/", views.logout, name="account_logout"),
    path("email/", views.account_home, name="account_email"),
    path("password/reset/", views.password_reset, name="account_reset_password"),
    path("", include("allauth.urls")),
]
