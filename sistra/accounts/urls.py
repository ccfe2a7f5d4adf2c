"""Accounts under /cuenta/: django-allauth's pages (login, re-authentication, password change, MFA), with
the few it must not serve in SISTRA put in front of them under the same paths."""

from django.urls import include, path

from . import views, views_tokens

urlpatterns = [
    path("logout/", views.logout, name="account_logout"),
    path("email/", views.account_home, name="account_email"),
    path("password/reset/", views.password_reset, name="account_reset_password"),
    path("tokens/", views_tokens.token_list, name="account_api_tokens"),
    path("tokens/nuevo/", views_tokens.token_create_view, name="account_api_token_create"),
    path("tokens/<uuid:token_uuid>/revocar/", views_tokens.token_revoke_view,
         name="account_api_token_revoke"),
    path("2fa/webauthn/keys/<int:pk>/remove/", views.remove_webauthn, name="mfa_remove_webauthn"),
    path("", include("allauth.urls")),
]
