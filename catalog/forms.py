from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="Catalog file",
        help_text="CSV (comma, semicolon or tab separated; UTF-8, with or without BOM) or JSON. "
        "Columns: sku and title are required; brand, category, price, currency, stock, language, "
        "description, attributes (JSON); any other column becomes an attribute.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            limit = settings.IMPORT_MAX_UPLOAD_BYTES / 1e6
            raise forms.ValidationError(f"The file is {upload.size / 1e6:.1f} MB; the limit is {limit:.0f} MB.")
        return upload


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form: per field where it names one
    of the form's fields, else as a form-wide error."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
