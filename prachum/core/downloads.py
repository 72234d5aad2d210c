"""Every file Prachum hands out is a download, never a page of our origin (issue 15, F7).

``Content-Disposition: attachment`` makes the browser save the file instead of showing
it; ``Content-Security-Policy: sandbox`` keeps it away from our origin's cookies and
scripts even if it is opened in the browser after all (a PDF viewer, an SVG);
``X-Content-Type-Options: nosniff`` stops the browser guessing another type.
"""

from __future__ import annotations

import unicodedata
from typing import TypeVar

from django.http import HttpResponseBase
from django.utils.http import content_disposition_header

R = TypeVar("R", bound=HttpResponseBase)


def safe_filename(name: str, *, fallback: str = "document") -> str:
    """``name`` without folders, quotes, control or direction-changing characters."""
    kept = "".join(
        ch
        for ch in name.replace("\\", "/").rsplit("/", 1)[-1]
        if unicodedata.category(ch)[0] != "C" and ch not in '"<>|*?:'
    ).strip(" .")
    return kept[:150] or fallback


def protect_download(response: R, *, filename: str) -> R:
    """Mark ``response`` as a sandboxed attachment named ``filename``."""
    response["Content-Disposition"] = content_disposition_header(
        True, safe_filename(filename)
    )
    response["Content-Security-Policy"] = "sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def protect_inline(response: R) -> R:
    """For a file embedded in our pages (an emblem in ``<img>``): sandboxed, no sniffing."""
    response["Content-Security-Policy"] = "sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response
