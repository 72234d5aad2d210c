from django.urls import path

from prachum.compliance import views

app_name = "compliance"
urlpatterns = [
    path("meetings/<uuid:pk>/", views.meeting_checklist_view, name="meeting"),
]
