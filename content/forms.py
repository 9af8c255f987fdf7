"""Forms read and clean input; the services decide (permissions, rules)."""

from __future__ import annotations

import json

from django import forms

from catalog import generation_model
from content.models import BrandVoice, Campaign, ContentType, Language, PromptVersion
from content.services.generation import DEFAULT_CANDIDATES, MAX_CANDIDATES, MAX_VARIANTS


class JSONTextField(forms.CharField):
    """A textarea holding JSON; cleans to the parsed value."""

    def __init__(self, *, expect: type, **kwargs):
        self.expect = expect
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 8, "class": "mono", "spellcheck": "false"}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, (list, dict)):
            return json.dumps(value, indent=2, ensure_ascii=False)
        return value

    def clean(self, value):
        value = super().clean(value)
        if not value or not value.strip():
            return self.expect()
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                f"This is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
            ) from None
        if not isinstance(parsed, self.expect):
            raise forms.ValidationError(f"Expected a JSON {'list' if self.expect is list else 'object'}.")
        return parsed


class GenerateForm(forms.Form):
    content_type = forms.ChoiceField(choices=ContentType.choices, initial=ContentType.DESCRIPTION)
    language = forms.ChoiceField(choices=Language.choices)
    template_version = forms.ModelChoiceField(
        queryset=PromptVersion.objects.none(), required=False, empty_label="The active version",
        help_text="A chosen version writes in its own language; one of another content type is refused.",
    )
    variants = forms.IntegerField(min_value=1, max_value=MAX_VARIANTS, initial=1,
                                  help_text=f"Drafts per product (1 to {MAX_VARIANTS}), to compare and pick from.")
    candidates = forms.IntegerField(
        min_value=1, max_value=MAX_CANDIDATES, label="Best of", required=False,
        help_text="At most this many candidates per draft, written one after another until one passes every "
                  "check and invents little; the best goes to review, the others stay as variants not put "
                  f"forward. Empty: the model version's own (the base model: {DEFAULT_CANDIDATES}).")
    tone = forms.CharField(max_length=300, required=False)
    goal = forms.CharField(max_length=300, required=False, label="Campaign goal",
                           help_text="Marketing copy: what the campaign offers, e.g. 'Black Friday, 20% off'.")
    instruction = forms.CharField(max_length=300, required=False,
                                  help_text="Optional, e.g. 'mention the pack size'.")
    limit = forms.IntegerField(min_value=1, required=False, label="At most",
                               help_text="Write for the first N matching products only.")
    max_new_tokens = forms.IntegerField(min_value=8, max_value=1024, required=False, label="Max new tokens",
                                        help_text="Leave empty for the template's own setting.")
    temperature = forms.FloatField(min_value=0.0, max_value=2.0, required=False,
                                   help_text="Leave empty for the template's own setting.")

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template_version"].queryset = (
            PromptVersion.objects.filter(template__store=store)
            .select_related("template")
            .order_by("template__content_type", "template__language", "template__name", "-number")
        )
        self.fields["template_version"].label_from_instance = (
            lambda v: f"{v.template.get_content_type_display()} · {v.template.language} · {v.template.name} "
                      f"v{v.number}{' (active)' if v.template.active_version_id == v.pk else ''}"
        )

    def params_overrides(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("max_new_tokens", "temperature")
                if self.cleaned_data.get(name) is not None}


class PromptVersionForm(forms.Form):
    # strip=False: a trailing line break is part of the pattern ("Script:\n").
    text = forms.CharField(strip=False, widget=forms.Textarea(attrs={"rows": 16, "class": "mono",
                                                                     "spellcheck": "false"}))
    examples = JSONTextField(expect=list, help_text='A JSON list of {"input": "...", "output": "..."}.')
    params = JSONTextField(expect=dict, label="Generation parameters",
                           help_text="JSON: max_new_tokens, temperature, top_p, repetition_penalty, "
                                     "no_repeat_ngram_size, stop, seed…")
    use_chat_template = forms.BooleanField(required=False, label="Use the model's chat template",
                                           help_text="For instruction-tuned models only.")
    model = forms.ChoiceField(choices=generation_model.model_choices, required=False, label="Model",
                              help_text="One of the models the operator configured for this site.")
    note = forms.CharField(max_length=500, required=False, help_text="What changed and why.")
    activate = forms.BooleanField(required=False, initial=True, label="Make this the active version")

    @classmethod
    def from_version(cls, version: PromptVersion | None, **kwargs) -> PromptVersionForm:
        initial = {}
        if version is not None:
            initial = {"text": version.text, "examples": version.examples, "params": version.params,
                       "use_chat_template": version.use_chat_template, "model": version.model}
        return cls(initial=initial, **kwargs)


class PromptTemplateForm(PromptVersionForm):
    name = forms.CharField(max_length=120)
    content_type = forms.ChoiceField(choices=ContentType.choices)
    language = forms.ChoiceField(choices=Language.choices)
    field_order = ["name", "content_type", "language", "text", "examples", "params", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("activate", "use_chat_template", "model"):
            del self.fields[name]


class BrandVoiceForm(forms.Form):
    tone = forms.CharField(max_length=300, required=False,
                           help_text="How the copy should sound, e.g. 'clear, practical and confident'.")
    banned_words = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}),
                                   help_text="One word or phrase per line; a draft using one is flagged.")
    required_phrases = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                       help_text="One per line; a draft missing one is flagged.")
    default_language = forms.ChoiceField(choices=Language.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for content_type, _ in ContentType.choices:
            for language, _ in Language.choices:
                for bound in ("min", "max"):
                    self.fields[self.length_field(content_type, language, bound)] = forms.IntegerField(
                        min_value=1, max_value=5000, required=False
                    )

    @staticmethod
    def length_field(content_type: str, language: str, bound: str) -> str:
        return f"length_{content_type}_{language}_{bound}"

    @classmethod
    def from_voice(cls, voice: BrandVoice, **kwargs) -> BrandVoiceForm:
        initial = {
            "tone": voice.tone,
            "banned_words": "\n".join(voice.banned_words),
            "required_phrases": "\n".join(voice.required_phrases),
            "default_language": voice.default_language,
        }
        for content_type, by_language in voice.target_lengths.items():
            for language, (low, high) in by_language.items():
                initial[cls.length_field(content_type, language, "min")] = low
                initial[cls.length_field(content_type, language, "max")] = high
        return cls(initial=initial, **kwargs)

    def clean(self):
        cleaned = super().clean()
        for content_type, label in ContentType.choices:
            for language, language_label in Language.choices:
                low = cleaned.get(self.length_field(content_type, language, "min"))
                high = cleaned.get(self.length_field(content_type, language, "max"))
                if (low is None) != (high is None):
                    self.add_error(self.length_field(content_type, language, "min"),
                                   f"{label} ({language_label}): give both a minimum and a maximum, or neither.")
                elif low is not None and low > high:
                    self.add_error(self.length_field(content_type, language, "min"),
                                   f"{label} ({language_label}): the minimum is above the maximum.")
        return cleaned

    def target_lengths(self) -> dict:
        lengths: dict = {}
        for content_type, _ in ContentType.choices:
            for language, _ in Language.choices:
                low = self.cleaned_data.get(self.length_field(content_type, language, "min"))
                high = self.cleaned_data.get(self.length_field(content_type, language, "max"))
                if low is not None and high is not None:
                    lengths.setdefault(content_type, {})[language] = [low, high]
        return lengths

    def length_rows(self):
        """[(label, [(language label, min field, max field)])] for the template."""
        rows = []
        for content_type, label in ContentType.choices:
            cells = [(language_label, self[self.length_field(content_type, language, "min")],
                      self[self.length_field(content_type, language, "max")])
                     for language, language_label in Language.choices]
            rows.append((label, cells))
        return rows

    @staticmethod
    def lines(value: str) -> list[str]:
        return [line.strip() for line in value.splitlines() if line.strip()]


class QuestionForm(forms.Form):
    text = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label="Question")


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=120)
    goal = forms.CharField(max_length=300, help_text="What the campaign offers, e.g. 'Back to school, 15% off "
                                                     "binders'.")
    segment_by = forms.ChoiceField(label="Segments by the shopper's", choices=Campaign.SegmentBy.choices)
    active_days = forms.IntegerField(label="Active in the last (days)", min_value=1, max_value=3650, required=False,
                                     help_text="Only shoppers with an event that recent; empty: every shopper.")
    content_type = forms.ChoiceField(choices=[(value, ContentType(value).label) for value in Campaign.CONTENT_TYPES])
    language = forms.ChoiceField(choices=Language.choices)
    max_segments = forms.IntegerField(label="Segments", min_value=1, max_value=20, initial=5,
                                      help_text="The largest segments get copy.")
    products_per_segment = forms.IntegerField(min_value=1, max_value=10, initial=3,
                                              help_text="Chosen from the segment's shoppers' recommendations.")


# --------------------------------------------------------------------------- model versions and the yardstick


class TrainForm(forms.Form):
    corpus = forms.BooleanField(required=False, initial=True, label="The product-copy corpus",
                                help_text="Real copy written by people, each target paired only with the facts "
                                          "that support it.")
    approvals = forms.BooleanField(required=False, initial=True, label="This store's approved drafts",
                                   help_text="Edited drafts weigh more, by how much the reviewer changed.")
    max_examples = forms.IntegerField(min_value=1, max_value=20_000, required=False, label="Examples",
                                      help_text="Leave empty for what fits the time budget at the measured speed.")
    name = forms.CharField(max_length=120, required=False)

    @property
    def sources(self) -> list[str]:
        return [source for source in ("corpus", "approvals") if self.cleaned_data.get(source)]


class CopyEvaluationForm(forms.Form):
    model_version = forms.ChoiceField(choices=(), label="Model")
    candidates = forms.IntegerField(min_value=1, max_value=8, initial=1, label="Best of",
                                    help_text="At most this many candidates per product, written until one "
                                              "passes every check and invents little; the best is kept.")
    corpus_per_language = forms.IntegerField(min_value=0, max_value=1000, initial=100, label="Corpus products",
                                             help_text="Per language (English and Chinese); 0 for the store's "
                                                       "products only.")
    store_products = forms.IntegerField(min_value=0, max_value=200, initial=16, label="Store products")
    constrain_numbers = forms.BooleanField(required=False, initial=True, label="Numbers only from the facts")
    constrain_words = forms.BooleanField(required=False, initial=True, label="Words only generic or from the facts",
                                         help_text="English drafts: copy's generic words and the product's own.")

    def __init__(self, *args, versions=(), **kwargs):
        super().__init__(*args, **kwargs)
        fixed = [("active", "What the store writes with now"), ("base", "Base model")]
        self.fields["model_version"].choices = fixed + [
            (str(version.pk), version.label) for version in versions if version.is_ready
        ]
