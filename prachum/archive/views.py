"""The transparency page: per sealed meeting, the chain head, seal time and TSA time."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from prachum.archive.transparency import list_sealed


def transparency(request: HttpRequest) -> HttpResponse:
    return render(request, "archive/transparency.html", {"seals": list_sealed()})
