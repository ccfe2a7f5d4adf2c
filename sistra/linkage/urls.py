from django.urls import path

from . import views

app_name = "linkage"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("pares/<uuid:candidate_uuid>/", views.review, name="review"),
    path("personas/<uuid:person_uuid>/separar/", views.unmerge, name="unmerge"),
    path("ejecuciones/", views.runs, name="runs"),
]
