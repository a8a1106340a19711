import pytest

from tests.factories import CategoryFactory, DepartmentFactory
from tests.sla.helpers import staff


@pytest.fixture
def town(db):
    """A cleaning department, a category with 8 / 24 working-hour targets, and its staff."""
    department = DepartmentFactory(code="cleaning")
    category = CategoryFactory(default_department=department, response_hours=8, resolution_hours=24)
    return department, category, staff(department)
