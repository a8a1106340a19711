"""Citizen forms: the report form, its confirmation, tracking, rating and reopening.

The forms validate; the services write. The report form asks
``services.validate_submission`` for the same checks ``complaint_submit`` makes, so
the citizen sees every error on the form before the confirm page, in their language.
"""

from __future__ import annotations

import uuid
from typing import cast

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from complaints.models import Category, Channel
from complaints.photo_stash import PhotoStash
from complaints.photos import clean_photo
from complaints.selectors import complaint_for_tracking
from complaints.services import Submission, validate_submission

CONFIRM_SALT = "balagh.citizen.confirm"
CONFIRM_MAX_AGE = 24 * 3600

# Field errors from the services, by their key, shown next to this form field.
SERVICE_ERROR_FIELDS = {
    "category": "category",
    "description": "description",
    "location": "lat",
    "reporter_phone": "reporter_phone",
    "reporter_email": "reporter_email",
    "photos": "photos",
    "reporter_name": "reporter_name",
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked as a photo by the form, not here."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        items = data if isinstance(data, (list, tuple)) else [data]
        return [item for item in items if item]


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` (a dict of field errors) onto the form's fields."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, messages in error.message_dict.items():
        target = SERVICE_ERROR_FIELDS.get(key)
        for message in messages:
            if target and target in form.fields:
                if message not in form.errors.get(target, []):
                    form.add_error(target, message)
            else:
                form.add_error(None, message)


class ReportForm(forms.Form):
    """The whole Balady form in one: type → sub-type → pin → description → photos → contact."""

    main_type = forms.ModelChoiceField(
        queryset=Category.objects.active().main_types(),
        required=False,
        label=_("Type of problem"),
        error_messages={"invalid_choice": _("Choose a type of report.")},
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.active().sub_types().select_related("parent"),
        required=False,
        label=_("Sub-type"),
        error_messages={"invalid_choice": _("Choose a type of report.")},
    )
    lat = forms.CharField(required=False, label=_("Latitude"))
    lon = forms.CharField(required=False, label=_("Longitude"))
    address = forms.CharField(required=False, max_length=255, label=_("Nearest landmark or street (optional)"))
    description = forms.CharField(required=False, label=_("Describe the problem"), widget=forms.Textarea)
    photos = MultipleFileField(label=_("Photos"))
    photo_stash = forms.CharField(required=False, widget=forms.HiddenInput)
    remove_photos = forms.MultipleChoiceField(required=False, choices=())
    reporter_name = forms.CharField(required=False, max_length=120, label=_("Your name"))
    reporter_phone = forms.CharField(required=False, max_length=30, label=_("Mobile number"))
    reporter_email = forms.CharField(required=False, max_length=254, label=_("E-mail (optional)"))
    # Two radios ("false": with my mobile, "true": without contact details): leaving the mobile empty
    # is never taken as a choice to go without updates.
    is_anonymous = forms.BooleanField(required=False, label=_("Without contact details"))

    def __init__(self, *args, stash: PhotoStash | None = None, language: str = "ar", **kwargs):
        super().__init__(*args, **kwargs)
        self.language = language
        if self.is_bound:
            stash = PhotoStash.load(self.data.get("photo_stash"))
        self.stash = stash or PhotoStash()
        cast(forms.MultipleChoiceField, self.fields["remove_photos"]).choices = [(name, name) for name in self.stash.names]
        self.submission_values: dict | None = None

    # -- photos: keep what is good, say what is not

    def _take_photos(self) -> None:
        for name in self.cleaned_data.get("remove_photos") or []:
            self.stash.remove(name)
        uploads = self.cleaned_data.get("photos") or []
        room = settings.BALAGH_MAX_PHOTOS - len(self.stash)
        refused = 0
        for upload in uploads:
            try:
                cleaned = clean_photo(upload)
            except ValidationError as exc:
                self.add_error("photos", exc)
                continue
            if room <= 0:
                refused += 1
                continue
            self.stash.add(cleaned)
            room -= 1
        if refused:
            self.add_error(
                "photos",
                ngettext(
                    "At most %(max)d photos; %(count)d photo was not added.",
                    "At most %(max)d photos; %(count)d photos were not added.",
                    refused,
                )
                % {"max": settings.BALAGH_MAX_PHOTOS, "count": refused},
            )

    @property
    def stash_signed(self) -> str:
        return self.stash.sign() if len(self.stash) else ""

    # -- the rest: the service's own checks

    def clean(self):
        cleaned = super().clean()
        self._take_photos()
        category = cleaned.get("category")
        main = cleaned.get("main_type")
        if category is None and "category" not in self.errors:
            category = main  # the service then says "choose a sub-type, not only the main type"
        elif category is not None:
            cleaned["main_type"] = category.parent
        anonymous = bool(cleaned.get("is_anonymous")) and bool(category and category.allow_anonymous)
        if category is not None and category.allow_anonymous and not anonymous and not cleaned.get("reporter_phone", "").strip():
            self.add_error(
                "reporter_phone",
                _("Enter your mobile number, or choose “Without contact details” to follow the report by its link."),
            )
        submission = Submission(
            category=category,
            description=cleaned.get("description", ""),
            lat=cleaned.get("lat") or None,
            lon=cleaned.get("lon") or None,
            address=cleaned.get("address", ""),
            reporter_name="" if anonymous else cleaned.get("reporter_name", ""),
            reporter_phone="" if anonymous else cleaned.get("reporter_phone", ""),
            reporter_email="" if anonymous else cleaned.get("reporter_email", ""),
            is_anonymous=anonymous,
            channel=Channel.WEB,
            language=self.language,
            photos=list(self.stash.names),
        )
        try:
            values = validate_submission(submission, photos_cleaned=True)
        except ValidationError as exc:
            apply_service_errors(self, exc)
            return cleaned
        if self.errors:
            return cleaned
        self.submission_values = {
            "category": category.pk,
            "description": values["description"],
            "lat": values["lat"],
            "lon": values["lon"],
            "address": (cleaned.get("address") or "").strip(),
            "reporter_name": values["reporter_name"],
            "reporter_phone": values["reporter_phone"],
            "reporter_email": values["reporter_email"],
            "is_anonymous": values["is_anonymous"],
            "stash": self.stash_signed,
            "key": uuid.uuid4().hex,
        }
        return cleaned


class ConfirmForm(forms.Form):
    """The confirm page: everything the citizen checked, signed so it cannot be altered."""

    payload = forms.CharField(widget=forms.HiddenInput)

    @staticmethod
    def sign(values: dict) -> str:
        return signing.dumps(values, salt=CONFIRM_SALT, compress=True)

    def clean_payload(self) -> dict:
        try:
            values = signing.loads(self.cleaned_data["payload"], salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
        except signing.BadSignature:
            raise ValidationError(
                _("This confirmation has expired. Please check your report and send it again."), code="expired"
            ) from None
        if not isinstance(values, dict) or "key" not in values:
            raise ValidationError(_("This confirmation has expired. Please check your report and send it again."))
        return values

    @property
    def values(self) -> dict:
        return self.cleaned_data["payload"]

    @property
    def stash(self) -> PhotoStash:
        return PhotoStash.load(self.values.get("stash"))

    @property
    def category(self) -> Category | None:
        category_id = self.values.get("category")
        if category_id is None:
            return None
        return Category.objects.select_related("parent").filter(pk=category_id).first()

    def submission(self, *, language: str) -> Submission:
        v = self.values
        return Submission(
            category=self.category,
            description=v["description"],
            lat=v["lat"],
            lon=v["lon"],
            address=v.get("address", ""),
            reporter_name=v.get("reporter_name", ""),
            reporter_phone=v.get("reporter_phone", ""),
            reporter_email=v.get("reporter_email", ""),
            is_anonymous=v.get("is_anonymous", False),
            channel=Channel.WEB,
            language=language,
            photos=self.stash.files(),
            external_id=f"web:{v['key']}",
        )

    def form_initial(self) -> dict:
        """Initial values to show the report form again ("edit")."""
        v = self.values
        category = self.category
        return {
            "main_type": category.parent_id if category else None,
            "category": category.pk if category else None,
            "lat": v.get("lat"),
            "lon": v.get("lon"),
            "address": v.get("address", ""),
            "description": v.get("description", ""),
            "reporter_name": v.get("reporter_name", ""),
            "reporter_phone": v.get("reporter_phone", ""),
            "reporter_email": v.get("reporter_email", ""),
            "is_anonymous": v.get("is_anonymous", False),
        }


class TrackForm(forms.Form):
    tracking_number = forms.CharField(
        label=_("Tracking number"), max_length=30, error_messages={"required": _("Enter the tracking number.")}
    )
    phone = forms.CharField(
        label=_("The mobile number you reported with"),
        max_length=30,
        error_messages={"required": _("Enter the mobile number you reported with.")},
    )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        complaint = complaint_for_tracking(tracking_number=cleaned["tracking_number"], phone=cleaned["phone"])
        if complaint is None:
            # Same words whether the number exists or not.
            raise ValidationError(
                _("We could not find a report with this tracking number and mobile number. Check both and try again."),
                code="no_match",
            )
        cleaned["complaint"] = complaint
        return cleaned


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=[(i, str(i)) for i in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a rating from 1 to 5."), "invalid_choice": _("Choose a rating from 1 to 5.")},
    )
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=2000, widget=forms.Textarea)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("What is still wrong?"),
        max_length=2000,
        widget=forms.Textarea,
        error_messages={"required": _("Say why the problem is not fixed.")},
    )
