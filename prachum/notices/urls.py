from django.urls import path

from prachum.notices import views

app_name = "notices"
urlpatterns = [
    path("", views.outbox, name="outbox"),
    path("<str:name>/", views.outbox_message, name="outbox_message"),
]
