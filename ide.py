"""GraphiQL served by the server itself, so it works on a network without internet access.

Strawberry's GraphiQL page loads its browser builds from a public CDN. The same files (the exact
versions the page pins, with the same ``integrity`` hashes) are vendored in ``static/graphiql/``
under the CDN's own paths, so the page needs one change: the CDN prefix becomes ours. The first
tab shows how to log in. ``graphiql_page`` refuses a template that would still reach another
host, so a Strawberry upgrade that changes the page fails loudly instead of loading from a CDN.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp
from strawberry.http.ides import get_graphql_ide_html

#: Beside this module both in the checkout and in an installed package (``static`` is package data).
STATIC_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
STATIC_URL = "/static/graphiql/"
CDN_PREFIX = "https://unpkg.com/"
#: The file paths are versioned (``graphiql@3.8.3/...``): a cached copy is never stale.
CACHE_CONTROL = "public, max-age=31536000, immutable"

#: An XML namespace is a name, never fetched: the template's inline SVG favicon declares it.
_NOT_FETCHED = ("http://www.w3.org/2000/svg",)
_ABSOLUTE_URL = re.compile(r"\b(?:https?|wss?|ftp)://[^\s\"'`<>)]+", re.IGNORECASE)
_PROTOCOL_RELATIVE_URL = re.compile(r"""(?:["'(=]|url\()\s*(//[^\s"'`<>)]+)""", re.IGNORECASE)
_LOCAL_ASSET = re.compile(r"""(?:src|href)="/static/graphiql/([^"]+)\"""")
_EXAMPLE_QUERY = re.compile(r"const EXAMPLE_QUERY = `.*?`;", re.DOTALL)

#: The first tab: the README's login, then the dashboard. GraphiQL asks which operation to run.
FIRST_TAB = """\
# CRM admin API: log in, then read the dashboard.
#
# 1. Run Login: press the play button, pick "Login"
#    (every demo user's password is demo-password).
# 2. Put the token from the result in the Headers tab
#    below:  {"Authorization": "Bearer <token>"}
# 3. Run Dashboard the same way.
#
# Ctrl-Enter runs the operation under the cursor.
# The Docs button (top left) describes every field.

mutation Login {
  login(input: {email: "owner@acme.example", password: "demo-password"}) {
    token
    userErrors { field code message }
  }
}

query Dashboard {
  account {
    name
    seatSummary { billable occupied free pendingRemoval nextBillDate }
    subscription {
      seatPrice { amount currencyCode }
      currentPeriodStart
      nextBillDate
      contactTier { limit price { amount currencyCode } }
    }
  }
  contactUsage { marketingContacts billedMarketingContacts percentUsed nextUpdateDate }
}
"""


class GraphiQLTemplateChanged(RuntimeError):
    """Strawberry's GraphiQL page no longer fits the vendored files: re-vendor (static/graphiql)."""


def graphiql_page(template: str | None = None) -> str:
    """Strawberry's GraphiQL page (or ``template``) pointed at the vendored files."""
    html = get_graphql_ide_html("graphiql") if template is None else template
    if CDN_PREFIX not in html or len(_EXAMPLE_QUERY.findall(html)) != 1:
        raise GraphiQLTemplateChanged(
            f"Strawberry's GraphiQL page no longer loads from {CDN_PREFIX} or lost its "
            "EXAMPLE_QUERY: update ide.py and static/graphiql/."
        )
    html = html.replace(CDN_PREFIX, STATIC_URL)
    # FIRST_TAB has no backtick, "${" or backslash: it lands in a JavaScript template literal.
    html = _EXAMPLE_QUERY.sub(lambda _: f"const EXAMPLE_QUERY = `{FIRST_TAB}`;", html)
    if leftovers := external_urls(html):
        raise GraphiQLTemplateChanged(
            f"Strawberry's GraphiQL page would load from other hosts: {leftovers}. Vendor those "
            "files into static/graphiql/ and point the page at them (ide.py)."
        )
    if missing := [path for path in local_assets(html) if not (STATIC_DIR / path).is_file()]:
        raise GraphiQLTemplateChanged(
            f"Strawberry's GraphiQL page needs files that are not vendored: {missing}. Fetch "
            "them from the npm registry into static/graphiql/ (see its README)."
        )
    return html


def external_urls(html: str) -> list[str]:
    """Every URL in ``html`` that names a host (absolute or protocol-relative)."""
    found = _ABSOLUTE_URL.findall(html) + _PROTOCOL_RELATIVE_URL.findall(html)
    return [url for url in found if url not in _NOT_FETCHED]


def local_assets(html: str) -> list[str]:
    """The vendored files the page loads, relative to ``STATIC_DIR``."""
    return _LOCAL_ASSET.findall(html)


class _ImmutableStaticFiles(StaticFiles):
    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = CACHE_CONTROL
        return response


def graphiql_static_files() -> ASGIApp:
    """The vendored files, gzip-compressed on the way out (graphiql.min.js: 3.5 MB -> 0.7 MB).

    Level 6 compresses that file in half the time of Starlette's default 9 for 0.7 % more bytes;
    the immutable cache headers mean a browser fetches it once.
    """
    return GZipMiddleware(
        _ImmutableStaticFiles(directory=STATIC_DIR), minimum_size=1024, compresslevel=6
    )
