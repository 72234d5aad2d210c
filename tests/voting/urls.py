"""The voting router mounted on a test API the way ``prachum/api/api.py`` mounts it
(``api.add_router("", voting_router)``), with the project's error handler, so the
endpoints are tested before and after the lead wires them in."""

from __future__ import annotations

from django.urls import path
from ninja import NinjaAPI
from ninja.security import django_auth

from config.urls import urlpatterns as project_urlpatterns
from prachum.api.api import service_error
from prachum.api.voting import router
from prachum.core.errors import ServiceError

api = NinjaAPI(
    title="Prachum API (voting test)",
    version="test",
    urls_namespace="voting_test_api",
    auth=django_auth,
)
api.add_exception_handler(ServiceError, service_error)
api.add_router("", router, url_name_prefix="voting_test")

urlpatterns = [path("api/", api.urls), *project_urlpatterns]
