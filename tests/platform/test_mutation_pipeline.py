"""The mutation pipeline covers every mutation that has ``userErrors`` (and only those)."""

from typing import Any

from schema import build_schema
from schema.extensions import BusinessErrorsAsUserErrors


def test_every_mutation_with_user_errors_returns_refusals_through_the_pipeline():
    mutation = build_schema().get_type_by_name("Mutation")
    assert mutation is not None
    checked = 0
    for field in mutation.fields:  # type: ignore[union-attr]
        payload: Any = field.type
        payload_fields = {f.python_name for f in payload.__strawberry_definition__.fields}
        in_pipeline = any(isinstance(e, BusinessErrorsAsUserErrors) for e in field.extensions)
        assert in_pipeline == ("user_errors" in payload_fields), field.python_name
        checked += in_pipeline
    assert checked >= 15
