"""The one-line summary of a form's errors that views flash after a refused POST."""

from django import forms

from catalog.forms import form_errors_text


class _Options(forms.Form):
    k = forms.IntegerField(min_value=1)
    name = forms.CharField(max_length=3)


def test_each_field_names_its_errors_on_one_line():
    form = _Options({"k": "0", "name": "toolong"})

    assert not form.is_valid()
    assert form_errors_text(form) == (
        "k: Ensure this value is greater than or equal to 1.; "
        "name: Ensure this value has at most 3 characters (it has 7)."
    )
