"""Parse and validation are cached per document text (schema/documents.py); everything that
depends on the request still runs every time."""

from __future__ import annotations

from schema import build_schema
from schema.executor import _documents_of

COSTLY = """
query Costly($n: Int) {
  users(first: $n) { edges { node { contacts(first: 100) { edges { node { id name } } } } } }
}
"""


async def test_the_cost_limit_reads_each_requests_variables_with_a_cached_document(api):
    small = await api.execute(COSTLY, {"n": 1})
    large = await api.execute(COSTLY, {"n": 1000})
    again = await api.execute(COSTLY, {"n": 1})
    assert [e["extensions"]["code"] for e in small.get("errors") or []] != ["QUERY_LIMIT_EXCEEDED"]
    assert [e["extensions"]["code"] for e in large["errors"]] == ["QUERY_LIMIT_EXCEEDED"]
    assert again == small
    assert small["extensions"]["cost"]["requested"] < large["extensions"]["cost"]["requested"]


async def test_a_syntax_error_keeps_its_code_when_sent_again(api):
    for _ in range(2):
        body = await api.execute("{ users { ")
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["GRAPHQL_PARSE_FAILED"]


async def test_validation_errors_are_reported_every_time(api):
    for _ in range(2):
        body = await api.execute("{ noSuchField }")
        assert [e["extensions"]["code"] for e in body["errors"]] == ["GRAPHQL_VALIDATION_FAILED"]
        assert "noSuchField" in body["errors"][0]["message"]


async def test_a_repeated_document_is_planned_once():
    schema = build_schema()
    query = "{ __typename ... on Query { alias: __typename } }"
    for _ in range(3):
        await schema.execute(query)
    plans = _documents_of[schema._schema]
    assert len(plans) == 1
