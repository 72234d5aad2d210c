from django.urls import path

from prachum.media import views

app_name = "media"

urlpatterns = [
    path("events", views.janus_events, name="janus-events"),
    path("health", views.janus_health, name="janus-health"),
]
