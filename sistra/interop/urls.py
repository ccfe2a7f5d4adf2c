from django.urls import path

from . import views

app_name = "interop"
urlpatterns = [
    path("", views.home, name="home"),
    path("<uuid:job_uuid>/", views.job_detail, name="job"),
    path("<uuid:job_uuid>/confirmar/", views.job_confirm, name="job_confirm"),
    path("<uuid:job_uuid>/informe.csv", views.job_report, name="job_report"),
    path("<uuid:job_uuid>/archivo/", views.job_download, name="job_download"),
]
