import pytest

from routing import rules


@pytest.fixture(autouse=True)
def _fresh_rule_cache():

    rules.invalidate_rules()
    yield
    rules.invalidate_rules()
