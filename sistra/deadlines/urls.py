from django.urls import path

from . import views

app_name = "deadlines"
urlpatterns = [
    path("", views.my_deadlines, name="mine"),
    path("avisos/", views.notification_list, name="notifications"),
    path("avisos/<uuid:notification_uuid>/leido/", views.notification_read, name="notification_read"),
]
