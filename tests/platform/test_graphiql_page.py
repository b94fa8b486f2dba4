"""GraphiQL is served by the server itself: no CDN, vendored files that match the page's hashes.

If a Strawberry upgrade changes its GraphiQL page (new versions, a new CDN, another external
URL), these tests fail, and so does every app start (``GraphiQLTemplateChanged``).
"""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from graphql import parse, validate
from strawberry.http.ides import get_graphql_ide_html

from ide import (
    FIRST_TAB,
    STATIC_DIR,
    STATIC_URL,
    GraphiQLTemplateChanged,
    external_urls,
    graphiql_page,
    local_assets,
)
from schema import build_schema

TAG = re.compile(r"<(?:script|link)\b[^>]*>", re.DOTALL)
ATTRIBUTE = re.compile(r'\b(src|href|integrity)="([^"]*)"')


async def graphiql(api):
    response = await api.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    return response.text


def pinned_assets(page: str) -> dict[str, str]:
    """Each script or stylesheet the page loads, with its ``integrity`` value."""
    assets = {}
    for tag in TAG.findall(page):
        attributes = dict(ATTRIBUTE.findall(tag))
        url = attributes.get("src") or attributes.get("href")
        if url and not url.startswith("data:"):
            assets[url] = attributes.get("integrity", "")
    return assets


async def test_the_served_page_names_no_other_host(api):
    page = await graphiql(api)
    assert external_urls(page) == []
    assert "unpkg" not in page
    assert pinned_assets(page)
    assert all(url.startswith(STATIC_URL) for url in pinned_assets(page))


async def test_every_vendored_file_matches_the_integrity_hash_strawberry_pins(api):
    assets = pinned_assets(await graphiql(api))
    assert len(assets) == 7
    for url, integrity in assets.items():
        response = await api.http.get(url, headers={"Accept-Encoding": "identity"})
        assert response.status_code == 200, url
        algorithm, _, expected = integrity.partition("-")
        assert algorithm == "sha384", url
        digest = base64.b64encode(hashlib.sha384(response.content).digest()).decode()
        assert digest == expected, f"{url} does not match the integrity hash of the page"


async def test_the_vendored_folder_holds_what_the_page_loads_with_licences(api):
    loaded = set(local_assets(await graphiql(api)))
    vendored = {
        str(path.relative_to(STATIC_DIR))
        for path in STATIC_DIR.rglob("*")
        if path.suffix in {".js", ".css"}
    }
    assert loaded == vendored
    for asset in loaded:
        package = STATIC_DIR / asset.split("/")[0]
        if asset.startswith("@"):
            package = STATIC_DIR / "/".join(asset.split("/")[:2])
        assert (package / "LICENSE").is_file(), asset


async def test_vendored_files_are_cached_for_good_and_compressed(api):
    url = STATIC_URL + "graphiql@3.8.3/graphiql.min.js"
    response = await api.http.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["content-type"].startswith(
        ("text/javascript", "application/javascript")
    )
    assert len(response.content) == (STATIC_DIR / "graphiql@3.8.3/graphiql.min.js").stat().st_size
    assert response.num_bytes_downloaded * 3 < len(response.content)


async def test_unknown_static_files_are_404(api):
    assert (await api.http.get(STATIC_URL + "graphiql@3.8.3/nope.js")).status_code == 404
    assert (await api.http.get(STATIC_URL + "../../server.py")).status_code == 404


async def test_the_first_tab_shows_login_and_the_dashboard(api):
    page = await graphiql(api)
    assert FIRST_TAB in page
    assert "mutation Login" in FIRST_TAB
    assert "query Dashboard" in FIRST_TAB
    assert '{"Authorization": "Bearer <token>"}' in FIRST_TAB
    # It must be valid against the served schema, and safe inside a JavaScript template literal.
    assert validate(build_schema()._schema, parse(FIRST_TAB)) == []
    assert not any(text in FIRST_TAB for text in ("`", "${", "\\"))


@pytest.mark.parametrize(
    "extra",
    [
        '<script src="https://cdn.jsdelivr.net/npm/graphiql@4.0.0/graphiql.min.js"></script>',
        '<link rel="stylesheet" href="//fonts.example.com/font.css" />',
        "<style>@import url(//fonts.example.com/font.css);</style>",
        '<script>fetch("http://telemetry.example/ping")</script>',
    ],
)
def test_a_template_that_still_reaches_another_host_is_refused(extra):
    template = get_graphql_ide_html("graphiql").replace("</head>", extra + "</head>")
    with pytest.raises(GraphiQLTemplateChanged, match="other hosts"):
        graphiql_page(template)


def test_a_template_pinning_versions_that_are_not_vendored_is_refused():
    template = get_graphql_ide_html("graphiql").replace("graphiql@3.8.3", "graphiql@3.9.0")
    with pytest.raises(GraphiQLTemplateChanged, match="not vendored"):
        graphiql_page(template)


def test_a_template_without_the_known_cdn_or_example_query_is_refused():
    template = get_graphql_ide_html("graphiql")
    with pytest.raises(GraphiQLTemplateChanged):
        graphiql_page(template.replace("https://unpkg.com/", "https://esm.sh/"))
    with pytest.raises(GraphiQLTemplateChanged):
        graphiql_page(template.replace("EXAMPLE_QUERY", "DEFAULT_QUERY"))
