import pytest


@pytest.fixture(autouse=True)
def _fresh_rule_cache():
    from routing import services

    services.invalidate_rules()
    yield
    services.invalidate_rules()
