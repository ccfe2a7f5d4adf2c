from django.urls import path

from . import views

app_name = "useradmin"

urlpatterns = [
    path("usuarios/", views.user_list, name="user_list"),
    path("usuarios/nuevo/", views.user_create, name="user_create"),
    path("usuarios/<uuid:user_uuid>/", views.user_detail, name="user_detail"),
    path("usuarios/<uuid:user_uuid>/rol/", views.user_role, name="user_role"),
    path("usuarios/<uuid:user_uuid>/segundo-factor/", views.user_reset_second_factor, name="user_reset_mfa"),
    path("usuarios/<uuid:user_uuid>/contrasena/", views.user_reset_password, name="user_reset_password"),
    path("usuarios/<uuid:user_uuid>/desactivar/", views.user_disable, name="user_disable"),
    path("usuarios/<uuid:user_uuid>/activar/", views.user_enable, name="user_enable"),
    path("instituciones/", views.agency_list, name="agency_list"),
    path("instituciones/nueva/", views.agency_create, name="agency_create"),
    path("instituciones/<uuid:agency_uuid>/", views.agency_detail, name="agency_detail"),
    path("instituciones/<uuid:agency_uuid>/desactivar/", views.agency_deactivate, name="agency_deactivate"),
    path("instituciones/<uuid:agency_uuid>/reactivar/", views.agency_reactivate, name="agency_reactivate"),
]
