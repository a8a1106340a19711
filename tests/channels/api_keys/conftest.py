import pytest
from django.utils import translation

from channels.api_keys.services import api_key_create


@pytest.fixture(autouse=True)
def _language_does_not_leak():
    """Requests switch the active language (Accept-Language); the next test starts as this one did."""
    with translation.override(translation.get_language()):
        yield


@pytest.fixture
def make_key(db):
    def make(name="FixMyStreet Aseer", scopes=("open311",)):
        return api_key_create(name=name, scopes=list(scopes))

    return make
