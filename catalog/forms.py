from django import forms
from django.conf import settings


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
