import pytest


@pytest.fixture(autouse=True)
def _fresh_rule_cache():
    from routing import rules

    rules.invalidate_rules()
    yield
    rules.invalidate_rules()
