"""check_text refuses values that still hold Jinja syntax: they were not rendered, or rendered twice."""

from __future__ import annotations

import pytest

from airflow_provider_cams.exceptions import CamsValidationError
from airflow_provider_cams.utils.validation import check_id, check_name, check_url


@pytest.mark.parametrize(
    "value", ["{{ x }}", "abc}}", "{% if x %}1{% endif %}", "12%}", "{{ti.xcom_pull('a')}}"]
)
def test_unrendered_templates_are_refused_with_the_likely_cause(value: str) -> None:
    for check in (check_id, check_name):
        with pytest.raises(CamsValidationError, match="unrendered Jinja template") as err:
            check("flow_id", value)
        assert "rendered twice" in str(err.value) and "not templated" in str(err.value)
    with pytest.raises(CamsValidationError, match="unrendered Jinja template"):
        check_url("file_path", f"https://example.com/{value}")


@pytest.mark.parametrize("value", ["1234567890", "{x}", "a { b } c", "100%", "x%y", "signup {run}"])
def test_single_braces_and_percent_signs_are_fine(value: str) -> None:
    assert check_name("flow_name", value) == value
