"""The server-error page, which tells a database outage from a fault in our code.

When PostgreSQL is restarting or unreachable every request fails on its first query;
that is not "something went wrong" but "the database is away, try again shortly":
HTTP 503 with ``Retry-After``, in Thai, as a page or as the API's error shape
(``{"code", "message"}``; issue 15 point 10). Rendered without a request context, so
nothing here needs the database it reports missing.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

RETRY_AFTER_SECONDS = 10


def database_unavailable() -> bool:
    """Is the exception being handled the database being away?"""
    exc = sys.exc_info()[1]
    return isinstance(exc, OperationalError | InterfaceError)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a 503 for a database outage, else the plain 500 page."""
    if not database_unavailable():
        return HttpResponse(loader.get_template("500.html").render(), status=500)
    message = _(
        "The database is not reachable at the moment (it may be restarting). "
        "Nothing you saved before is lost; try again in a few seconds."
    )
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"code": "DATABASE_UNAVAILABLE", "message": message},
            status=503,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        response = HttpResponse(
            loader.get_template("503.html").render({"message": message}), status=503
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
