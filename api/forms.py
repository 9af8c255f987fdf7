from __future__ import annotations

from django import forms

from catalog.models import ApiKey


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Which storefront or program uses it.")
    scopes = forms.MultipleChoiceField(choices=ApiKey.Scope.choices, widget=forms.CheckboxSelectMultiple,
                                       initial=[ApiKey.Scope.EVENTS_WRITE, ApiKey.Scope.READ])
