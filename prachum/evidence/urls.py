from django.urls import path

from prachum.archive import views as archive_views
from prachum.evidence import views

app_name = "evidence"
urlpatterns = [
    path("key/", views.public_key, name="public_key"),
    path("transparency/", archive_views.transparency, name="transparency"),
    path("meetings/<uuid:pk>/packages/", views.request_package, name="request_package"),
    path(
        "meetings/<uuid:pk>/packages/<uuid:package_pk>/status/",
        views.package_status,
        name="package_status",
    ),
    path(
        "meetings/<uuid:pk>/packages/<uuid:package_pk>/",
        views.package_download,
        name="package_download",
    ),
]
