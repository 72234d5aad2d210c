from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from prachum.api.api import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="meetings:home"), name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("prachum.accounts.urls")),
    path("committees/", include("prachum.committees.urls")),
    path("meetings/", include("prachum.meetings.urls")),
    path("meetings/<uuid:pk>/room/", include("prachum.room.urls")),
    path("outbox/", include("prachum.notices.urls")),
    path("meetings/<uuid:pk>/minutes/", include("prachum.minutes.urls")),
    path("evidence/", include("prachum.evidence.urls")),
    path("allowances/", include("prachum.allowances.urls")),
    path("compliance/", include("prachum.compliance.urls")),
    path("api/", api.urls),
    path("internal/janus/", include("prachum.media.urls")),
    path("ops/admin/", admin.site.urls),
]

# A database outage is a 503 "try again shortly", not a crash (issue 15 point 10).
handler500 = "prachum.core.error_pages.server_error"

if settings.DEBUG:  # pragma: no cover
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
