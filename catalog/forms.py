from django import forms
from django.core.exceptions import ValidationError

from catalog.importing import ImportFileError
from catalog.services.imports import upload_check_size


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="Catalog file",
        help_text="CSV (comma, semicolon or tab separated; UTF-8, with or without BOM) or JSON. "
        "Columns: sku and title are required; brand, category, price, currency, stock, language, "
        "description, attributes (JSON); any other column becomes an attribute.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            upload_check_size(size=upload.size)
        except ImportFileError as exc:
            raise forms.ValidationError(str(exc)) from None
        return upload


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form: per field where it names one
    of the form's fields, else as a form-wide error."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def form_errors_text(form: forms.Form) -> str:
    """A form's errors as one line for a flash message: "field: message; other: message"."""
    return "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
