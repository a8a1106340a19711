import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from complaints.models import Complaint
from tests.factories import CategoryFactory, submit


@pytest.mark.django_db
def test_numbers_are_readable_and_consecutive():
    category = CategoryFactory()
    first = submit(category)
    second = submit(category)
    prefix, number = first.tracking_number.split("-")
    assert len(prefix) == 4 and len(number) == 6
    assert second.tracking_number == f"{prefix}-{int(number) + 1:06d}"


@pytest.mark.django_db
def test_a_failed_submission_gives_its_number_back():
    category = CategoryFactory()
    first = submit(category)
    with pytest.raises(ValidationError):
        submit(category, description="short")  # refused: too short, nothing saved
    second = submit(category)
    assert int(second.tracking_number[-6:]) == int(first.tracking_number[-6:]) + 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_submissions_never_duplicate_or_skip_a_number():
    category = CategoryFactory()
    workers = 24
    barrier = threading.Barrier(workers)
    numbers, errors = [], []

    def file_one(i):
        try:
            barrier.wait()
            numbers.append(submit(category, description=f"بلاغ متزامن رقم {i} للتجربة").tracking_number)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=file_one, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(numbers)) == workers
    sequence = sorted(int(n.split("-")[1]) for n in numbers)
    assert sequence == list(range(sequence[0], sequence[0] + workers))
    assert Complaint.objects.count() == workers
