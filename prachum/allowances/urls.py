from django.urls import path

from prachum.allowances import views

app_name = "allowances"
urlpatterns = [
    path("meetings/<uuid:pk>/", views.meeting_allowances, name="meeting"),
    path("meetings/<uuid:pk>/compute/", views.compute, name="compute"),
    path(
        "meetings/<uuid:pk>/runs/<uuid:run_pk>/confirm/", views.confirm, name="confirm"
    ),
    path(
        "meetings/<uuid:pk>/runs/<uuid:run_pk>/payment-list.csv",
        views.export_csv,
        name="csv",
    ),
    path(
        "meetings/<uuid:pk>/runs/<uuid:run_pk>/payment-list.pdf",
        views.export_pdf,
        name="pdf",
    ),
]
