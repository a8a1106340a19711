"""Forms of the officials' admin: filing a report for a caller, and one small form per workflow action.

The forms only collect and check input; the change itself is always made by a
function in ``complaints.services``.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaints import access, services
from complaints.forms import MultipleFileField
from complaints.models import AGENT_CHANNELS, Category, Channel, Complaint, Priority
from complaints.photos import clean_photos
from complaints.workflow import ClosureReason
from municipality.models import Department, Utility


class SubTypeChoiceField(forms.ModelChoiceField):
    """Sub-types shown as “Main type › Sub-type”."""

    def label_from_instance(self, obj: Category) -> str:
        return f"{obj.parent.name} › {obj.name}" if obj.parent else obj.name


def sub_types():
    return (
        Category.objects.active()
        .sub_types()
        .select_related("parent")
        .order_by("parent__sort_order", "parent__code", "sort_order", "code")
    )


# --------------------------------------------------------------------------- filing for a caller

# Submission errors are keyed by what the citizen form shows; here a few sit on other fields.
SUBMISSION_ERROR_FIELDS = {"location": "lat"}


class AgentReportForm(forms.ModelForm):
    """An intake agent files a report on a caller's behalf; ``complaint_submit`` does the rest."""

    category = SubTypeChoiceField(label=_("Type of report"), queryset=Category.objects.none())
    channel = forms.ChoiceField(label=_("Received through"), choices=[(c.value, c.label) for c in AGENT_CHANNELS])
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[("", _("The type's default"))] + list(Priority.choices)
    )
    photos = MultipleFileField(label=_("Photos"), help_text=_("Optional; up to four photos the caller sent."))

    class Meta:
        model = Complaint
        fields = [
            "category",
            "description",
            "lat",
            "lon",
            "address",
            "reporter_name",
            "reporter_phone",
            "reporter_email",
            "channel",
            "priority",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "lat": forms.NumberInput(attrs={"step": "any", "class": "balagh-lat"}),
            "lon": forms.NumberInput(attrs={"step": "any", "class": "balagh-lon"}),
        }
        help_texts = {
            "lat": _("Click the map to put the pin where the problem is."),
            "reporter_phone": _("A Saudi mobile such as 0501234567; leave empty for an anonymous caller."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = sub_types()
        self.fields["channel"].initial = Channel.PHONE_940
        self.submission: services.Submission | None = None

    def clean_photos(self):
        photos = self.cleaned_data.get("photos") or []
        try:
            return clean_photos(photos)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        submission = services.Submission(
            category=data["category"],
            description=data.get("description") or "",
            lat=data.get("lat"),
            lon=data.get("lon"),
            address=data.get("address") or "",
            reporter_name=data.get("reporter_name") or "",
            reporter_phone=data.get("reporter_phone") or "",
            reporter_email=data.get("reporter_email") or "",
            channel=data["channel"],
            priority=data.get("priority") or None,
            photos=data.get("photos") or [],
        )
        try:
            services.validate_submission(submission, photos_cleaned=True)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                name = SUBMISSION_ERROR_FIELDS.get(key, key)
                self.add_error(name if name in self.fields else None, messages)
            return data
        self.submission = submission
        return data


# --------------------------------------------------------------------------- workflow actions


def reason_field(label=None, **kwargs) -> forms.CharField:
    return forms.CharField(label=label or _("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, **kwargs)


class WorkflowForm(forms.Form):
    """A workflow form knows the report and the user it acts for (to narrow its choices)."""

    def __init__(self, *args, complaint: Complaint, user, **kwargs):
        self.complaint = complaint
        self.user = user
        kwargs.setdefault("prefix", self.prefix_name)
        super().__init__(*args, **kwargs)

    prefix_name = "wf"


class NoteOnlyForm(WorkflowForm):
    note = reason_field(_("Note (optional)"), required=False)


class HoldForm(WorkflowForm):
    reason = reason_field(_("Why is it on hold?"), help_text=_("The citizen sees this."))


class ResolveForm(WorkflowForm):
    note = reason_field(_("What was done"), help_text=_("The citizen sees this note."))
    photo = forms.FileField(label=_("“After” photo"), required=False)


class CloseForm(WorkflowForm):
    reason = forms.ChoiceField(label=_("Closure reason"), choices=ClosureReason.choices)
    note = reason_field(_("Note to the citizen"), required=False)


class ReasonForm(WorkflowForm):
    reason = reason_field()


class TransferForm(WorkflowForm):
    department = forms.ModelChoiceField(label=_("To department"), queryset=Department.objects.none())
    reason = reason_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Department.objects.filter(active=True)
        if self.complaint.department_id and self.complaint.utility_id is None:
            qs = qs.exclude(pk=self.complaint.department_id)
        self.fields["department"].queryset = qs


class ReferForm(WorkflowForm):
    utility = forms.ModelChoiceField(label=_("To utility"), queryset=Utility.objects.filter(active=True))
    reason = reason_field()


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class AssignForm(WorkflowForm):
    """Agents and administrators pick the department; a department's own staff pick a colleague."""

    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.filter(active=True), required=False)
    assignee = StaffChoiceField(label=_("Person"), queryset=get_user_model().objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        staff = (
            get_user_model()
            .objects.filter(is_active=True, staff_profile__role__in=access.ASSIGNEE_ROLES)
            .select_related("staff_profile")
            .order_by("first_name", "username")
        )
        if access.role_of(self.user) in access.WORK_ROLES:
            del self.fields["department"]
            staff = staff.filter(staff_profile__department_id=access.profile_of(self.user).department_id)
            self.fields["assignee"].required = True
        self.fields["assignee"].queryset = staff

    def clean(self):
        data = super().clean()
        department = data.get("department")
        assignee = data.get("assignee")
        if "department" in self.fields and department is None and assignee is None:
            raise ValidationError(_("Choose a department or a person."))
        owner = department or self.complaint.department
        if assignee is not None and owner is not None and assignee.staff_profile.department_id != owner.pk:
            self.add_error("assignee", _("This person does not work in %(department)s.") % {"department": owner.name})
        return data


class NoteForm(WorkflowForm):
    text = reason_field(pgettext_lazy("message", "Text"))
    public = forms.BooleanField(
        label=_("Public update (the citizen sees it)"),
        required=False,
        help_text=_("Leave unticked for an internal note only staff see."),
    )


class PriorityForm(WorkflowForm):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["priority"].initial = self.complaint.priority


class CategoryForm(WorkflowForm):
    category = SubTypeChoiceField(label=_("Correct type"), queryset=Category.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = sub_types()
        self.fields["category"].initial = self.complaint.category_id


class TriageForm(WorkflowForm):
    """The agent completes what the channel could not give: the sub-type and the pin."""

    category = SubTypeChoiceField(label=_("Type"), queryset=Category.objects.none())
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90, widget=forms.TextInput(attrs={"dir": "ltr"}))
    lon = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180, widget=forms.TextInput(attrs={"dir": "ltr"}))
    address = forms.CharField(label=_("Address"), max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = sub_types()
        self.fields["category"].initial = self.complaint.category_id
        self.fields["lat"].initial = self.complaint.lat
        self.fields["lon"].initial = self.complaint.lon
        self.fields["address"].initial = self.complaint.address


# --------------------------------------------------------------------------- bulk actions (intermediate pages)


class BulkHoldForm(forms.Form):
    reason = reason_field(_("Why are they on hold?"), help_text=_("Every citizen concerned sees this."))


class BulkCloseForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Closure reason"),
        choices=[
            (ClosureReason.NOT_VALID, ClosureReason.NOT_VALID.label),
            (ClosureReason.DUPLICATE, ClosureReason.DUPLICATE.label),
        ],
    )
    note = reason_field(_("Note to the citizens"))


class BulkTransferForm(forms.Form):
    department = forms.ModelChoiceField(label=_("To department"), queryset=Department.objects.filter(active=True))
    reason = reason_field()
