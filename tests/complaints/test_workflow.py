"""The state machine: every legal transition works through its service and writes one event;
every illegal one is refused with a translated message and changes nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import override

from complaints import services
from complaints.models import Complaint, Event
from complaints.workflow import TRANSITIONS, Action, ClosureReason, Status, TransitionError, allowed_actions, guard
from municipality.models import Role
from tests.factories import CategoryFactory, DepartmentFactory, UtilityFactory, make_user, submit

ALL_STATUSES = list(Status.values)


@pytest.mark.parametrize("status", ALL_STATUSES)
@pytest.mark.parametrize("action", list(Action.values))
def test_guard_matches_the_table(status, action):
    sources, target = TRANSITIONS[action]
    reason = ClosureReason.NOT_VALID if action == Action.CLOSE else None
    if status in sources:
        assert guard(status, action, reason=reason) == target
    else:
        with pytest.raises(TransitionError):
            guard(status, action, reason=reason)


def test_refusal_is_translated():
    with override("ar"):
        with pytest.raises(TransitionError) as arabic:
            guard(Status.NEW, Action.RESOLVE)
    with override("en"):
        with pytest.raises(TransitionError) as english:
            guard(Status.NEW, Action.RESOLVE)
    assert "New" in str(english.value) and "Resolve" in str(english.value)
    assert str(arabic.value) != str(english.value)
    assert any("\u0600" <= ch <= "\u06ff" for ch in str(arabic.value))


def test_closing_as_fixed_needs_resolution_first():
    with pytest.raises(TransitionError):
        guard(Status.IN_PROGRESS, Action.CLOSE, reason=ClosureReason.FIXED)
    assert guard(Status.RESOLVED, Action.CLOSE, reason=ClosureReason.FIXED) == Status.CLOSED
    with pytest.raises(TransitionError):
        guard(Status.IN_PROGRESS, Action.CLOSE, reason=None)


def test_allowed_actions_of_a_closed_report_is_only_reopen():
    assert allowed_actions(Status.CLOSED) == [Action.REOPEN]


@pytest.fixture
def dept(db):
    return DepartmentFactory(code="roads")


@pytest.fixture
def officer(dept):
    return make_user("officer", Role.OFFICER, department=dept)


@pytest.fixture
def complaint(dept):
    return submit(CategoryFactory(default_department=dept))


def kinds(complaint):
    return list(complaint.events.order_by("id").values_list("kind", flat=True))


@pytest.mark.django_db
def test_submission_is_routed_to_the_default_department(complaint, dept):
    assert complaint.status == Status.ASSIGNED
    assert complaint.department == dept
    assert kinds(complaint) == [Event.Kind.CREATED, Event.Kind.ROUTED]
    assert complaint.resolution_due_at > complaint.created_at


@pytest.mark.django_db
def test_without_any_owner_a_report_waits_as_new(db):
    category = CategoryFactory(default_department=None, parent__default_department=None)
    complaint = submit(category)
    assert complaint.status == Status.NEW and complaint.department is None


@pytest.mark.django_db
def test_triage_queue_catches_reports_without_owner():
    triage = DepartmentFactory(code="triage", is_triage=True)
    complaint = submit(CategoryFactory(default_department=None, parent__default_department=None))
    assert complaint.department == triage and complaint.status == Status.ASSIGNED


@pytest.mark.django_db
def test_full_life_start_hold_resume_resolve_rate_close(complaint, officer):
    services.complaint_start(complaint=complaint, actor=officer)
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS and complaint.first_response_at and complaint.assignee == officer

    services.complaint_hold(complaint=complaint, actor=officer, reason="بانتظار المواد")
    complaint.refresh_from_db()
    assert complaint.status == Status.ON_HOLD and complaint.on_hold_since

    due_before = complaint.resolution_due_at
    # a month on hold holds working hours whatever the time of day the test runs (5 hours at night hold none)
    Complaint.objects.filter(pk=complaint.pk).update(on_hold_since=timezone.now() - timedelta(days=30))
    services.complaint_resume(complaint=complaint, actor=officer)
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS and complaint.on_hold_since is None
    assert complaint.resolution_due_at > due_before  # the clock was paused

    services.complaint_resolve(complaint=complaint, actor=officer, note="تم ردم الحفرة وسفلتتها")
    complaint.refresh_from_db()
    assert complaint.status == Status.RESOLVED and complaint.resolved_at

    services.complaint_rate(complaint=complaint, rating=5, comment="شكراً")
    services.complaint_close(complaint=complaint, actor=officer, reason=ClosureReason.FIXED)
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED and complaint.closure_reason == "fixed" and complaint.rating == 5
    assert kinds(complaint) == ["created", "routed", "started", "held", "resumed", "resolved", "rated", "closed"]
    transitions = list(complaint.events.exclude(to_status="").values_list("from_status", "to_status"))
    assert transitions[-1] == (Status.RESOLVED, Status.CLOSED)


@pytest.mark.django_db
def test_illegal_transition_changes_nothing(complaint, officer):
    before = complaint.events.count()
    with pytest.raises(TransitionError):
        services.complaint_resume(complaint=complaint, actor=officer)  # assigned, not on hold
    with pytest.raises(TransitionError):
        services.complaint_hold(complaint=complaint, actor=officer, reason="x")
    with pytest.raises(TransitionError):
        services.complaint_close(complaint=complaint, actor=officer, reason=ClosureReason.FIXED)
    complaint.refresh_from_db()
    assert complaint.status == Status.ASSIGNED and complaint.events.count() == before


@pytest.mark.django_db
def test_close_without_explanation_is_refused(complaint, officer):
    with pytest.raises(TransitionError):
        services.complaint_close(complaint=complaint, actor=officer, reason=ClosureReason.NOT_VALID)
    services.complaint_close(complaint=complaint, actor=officer, reason=ClosureReason.NOT_VALID, note="البلاغ غير صحيح")
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED and complaint.closure_reason == ClosureReason.NOT_VALID


@pytest.mark.django_db
def test_citizen_reopens_within_the_window_only(complaint, officer):
    services.complaint_start(complaint=complaint, actor=officer)
    services.complaint_resolve(complaint=complaint, actor=officer, note="تم")
    services.complaint_reopen(complaint=complaint, reason="ما زالت الحفرة موجودة")
    complaint.refresh_from_db()
    assert complaint.status == Status.IN_PROGRESS and complaint.reopen_count == 1 and complaint.resolved_at is None

    services.complaint_resolve(complaint=complaint, actor=officer, note="تم مرة أخرى")
    Complaint.objects.filter(pk=complaint.pk).update(resolved_at=timezone.now() - timedelta(days=8))
    complaint.refresh_from_db()
    with pytest.raises(TransitionError):
        services.complaint_reopen(complaint=complaint, reason="لم تحل")
    assert not services.citizen_can_rate(complaint)


@pytest.mark.django_db
def test_rating_is_once_and_within_range(complaint, officer):
    services.complaint_start(complaint=complaint, actor=officer)
    services.complaint_resolve(complaint=complaint, actor=officer, note="تم")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.complaint_rate(complaint=complaint, rating=6)
    services.complaint_rate(complaint=complaint, rating=4)
    with pytest.raises(TransitionError):
        services.complaint_rate(complaint=complaint, rating=1)
    complaint.refresh_from_db()
    assert complaint.rating == 4


@pytest.mark.django_db
def test_transfer_moves_ownership_and_needs_a_reason(complaint, officer, dept):
    other = DepartmentFactory(code="cleaning")
    with pytest.raises(TransitionError):
        services.complaint_transfer(complaint=complaint, actor=officer, department=other, reason="  ")
    services.complaint_transfer(complaint=complaint, actor=officer, department=other, reason="من اختصاص النظافة")
    complaint.refresh_from_db()
    assert complaint.department == other and complaint.status == Status.ASSIGNED and complaint.transfer_count == 1
    event = complaint.events.get(kind=Event.Kind.TRANSFERRED)
    assert event.actor == officer and event.text == "من اختصاص النظافة" and not event.is_public
    with pytest.raises(PermissionDenied):  # the old department has no hold on it any more
        services.complaint_start(complaint=complaint, actor=officer)


@pytest.mark.django_db
def test_referral_and_return_with_a_liaison(complaint, officer, dept):
    utility = UtilityFactory(code="nwc")
    liaison = make_user("liaison", Role.LIAISON, utility=utility)
    with pytest.raises(PermissionDenied):
        services.complaint_start(complaint=complaint, actor=liaison)
    services.complaint_refer(complaint=complaint, actor=officer, utility=utility, reason="تسرب من الشبكة")
    complaint.refresh_from_db()
    assert complaint.utility == utility and complaint.department == dept
    with pytest.raises(PermissionDenied):  # oversight only
        services.complaint_start(complaint=complaint, actor=officer)
    services.complaint_start(complaint=complaint, actor=liaison)
    services.complaint_return(complaint=complaint, actor=liaison, reason="ليس من شبكة المياه")
    complaint.refresh_from_db()
    assert complaint.utility is None and complaint.status == Status.ASSIGNED
    assert kinds(complaint)[-4:] == ["referred", "acknowledged", "started", "returned"]  # starting a referral acknowledges it


@pytest.mark.django_db
def test_another_department_cannot_act(complaint):
    stranger = make_user("stranger", Role.OFFICER, department=DepartmentFactory(code="parks"))
    with pytest.raises(PermissionDenied):
        services.complaint_start(complaint=complaint, actor=stranger)
    with pytest.raises(PermissionDenied):
        services.complaint_add_note(complaint=complaint, actor=stranger, text="ملاحظة", public=False)
    committee = make_user("committee", Role.COMMITTEE)
    with pytest.raises(PermissionDenied):
        services.complaint_start(complaint=complaint, actor=committee)


@pytest.mark.django_db
def test_notes_are_internal_or_public(complaint, officer):
    services.complaint_add_note(complaint=complaint, actor=officer, text="داخلي", public=False)
    services.complaint_add_note(complaint=complaint, actor=officer, text="للمواطن", public=True)
    public = list(complaint.events.filter(is_public=True).values_list("text", flat=True))
    assert "للمواطن" in public and "داخلي" not in public


@pytest.mark.django_db
def test_priority_change_recomputes_due_times(complaint, officer):
    before = complaint.resolution_due_at
    services.complaint_set_priority(complaint=complaint, actor=officer, priority="urgent")
    complaint.refresh_from_db()
    assert complaint.priority == "urgent" and complaint.resolution_due_at < before
    assert complaint.events.filter(kind=Event.Kind.PRIORITY).count() == 1


@pytest.mark.django_db
def test_category_fix_reroutes_an_unstarted_report(complaint, dept):
    agent = make_user("agent", Role.AGENT)
    cleaning = DepartmentFactory(code="cleaning")
    litter = CategoryFactory(default_department=cleaning)
    services.complaint_set_category(complaint=complaint, actor=agent, category=litter)
    complaint.refresh_from_db()
    assert complaint.category == litter and complaint.department == cleaning


@pytest.mark.django_db
def test_auto_close_after_the_window(complaint, officer):
    services.complaint_start(complaint=complaint, actor=officer)
    services.complaint_resolve(complaint=complaint, actor=officer, note="تم")
    assert services.complaint_auto_close_resolved() == 0
    Complaint.objects.filter(pk=complaint.pk).update(resolved_at=timezone.now() - timedelta(days=30))
    assert services.complaint_auto_close_resolved() == 1
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED and complaint.closure_reason == ClosureReason.FIXED


@pytest.mark.django_db
def test_resent_channel_message_makes_no_second_report(dept):
    category = CategoryFactory(default_department=dept)
    first = submit(category, channel="whatsapp", external_id="wamid.123")
    again = submit(category, channel="whatsapp", external_id="wamid.123")
    assert first.pk == again.pk and Complaint.objects.count() == 1
