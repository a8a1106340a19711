"""API keys in the admin: administrators only. Keys are made with ``manage.py create_api_key``
(the key is printed once, on the terminal, never stored or shown in a page); here they are
listed, re-scoped and revoked."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from channels.api_keys.models import ApiKey, Scope
from channels.api_keys.services import api_key_update, api_keys_revoke
from municipality.admin import AdminRoleOnlyMixin


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(label=_("channels"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ApiKey
        fields = ("name", "scopes")


@admin.register(ApiKey)
class ApiKeyAdmin(AdminRoleOnlyMixin, admin.ModelAdmin):
    form = ApiKeyForm
    list_display = ("name", "visible_prefix", "channels", "active", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "prefix")
    readonly_fields = ("visible_prefix", "created_at", "last_used_at", "revoked_at")
    actions = ("revoke",)

    def has_add_permission(self, request, *args):
        return False  # the key would have to travel through a page; create_api_key prints it once instead

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, not deleted: the reports a key filed keep naming it

    @admin.display(description=_("key starts with"), ordering="prefix")
    def visible_prefix(self, obj: ApiKey) -> str:
        return f"blg_{obj.prefix}_…"

    @admin.display(description=_("channels"))
    def channels(self, obj: ApiKey) -> str:
        labels = dict(Scope.choices)
        return ", ".join(str(labels.get(scope, scope)) for scope in obj.scopes or [])

    @admin.display(description=pgettext_lazy("field", "active"), boolean=True, ordering="revoked_at")
    def active(self, obj: ApiKey) -> bool:
        return obj.is_active

    def save_model(self, request, obj, form, change):
        api_key_update(api_key=obj, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"])

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        count = api_keys_revoke(keys=list(queryset))
        self.message_user(
            request, ngettext("%(count)d key revoked.", "%(count)d keys revoked.", count) % {"count": count}, messages.SUCCESS
        )
