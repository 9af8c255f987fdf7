from __future__ import annotations

from dataclasses import replace

from django import forms

from catalog.forms import ImportUploadForm
from recommendations import engine
from recommendations.config import StoreConfig, validate_config
from recommendations.evaluation.methods import METHOD_NAMES
from recommendations.models import EventType


class EventImportForm(ImportUploadForm):
    """The catalog's upload form (same size limit) with the events file's own help."""

    file = forms.FileField(
        label="Events file",
        help_text="CSV with a shopper column and a sku (or query) column; optional: type, time (ISO 8601 or Unix "
        "seconds), seq (order only: times are derived), query, text, value, key (idempotency key). A file "
        "without a type column is read as purchases.",
    )


def _number(label: str, *, low: float, high: float, step: str = "0.1", help_text: str = "") -> forms.FloatField:
    return forms.FloatField(label=label, min_value=low, max_value=high, help_text=help_text,
                            widget=forms.NumberInput(attrs={"step": step}))


class SettingsForm(forms.Form):
    """The values a merchant tunes; the rest of the scoring settings keep their
    current values."""

    half_life_days = _number("Recency half-life (days)", low=0.01, high=3650,
                             help_text="An event counts half as much this many days before the shopper's latest.")
    product_weight = _number("Products they touched", low=0, high=100)
    query_weight = _number("Their searches", low=0, high=100)
    social_weight = _number("Their comments and shares", low=0, high=100)
    profile_weight = _number("Similarity to the profile", low=0, high=100)
    cooccurrence_weight = _number("Bought together by other shoppers", low=0, high=100)
    popularity_weight = _number("Popularity", low=0, high=100)
    diversity = _number("Diversity", low=0, high=1, step="0.05",
                        help_text="0 ranks by score alone; higher values avoid near-duplicates in one list (MMR).")
    fallback = forms.ChoiceField(label="For shoppers with no history",
                                 choices=[("popular", "Most popular"), ("trending", "Trending")])
    trending_half_life_days = _number("Trending half-life (days)", low=0.01, high=3650)

    def __init__(self, *args, config: StoreConfig, **kwargs):
        self.config = config
        profile, hybrid = config.profile, config.hybrid
        initial = {
            "half_life_days": profile.half_life_days, "product_weight": profile.product_weight,
            "query_weight": profile.query_weight, "social_weight": profile.social_weight,
            "profile_weight": hybrid.profile_weight, "cooccurrence_weight": hybrid.cooccurrence_weight,
            "popularity_weight": hybrid.popularity_weight, "diversity": round(1.0 - hybrid.mmr_lambda, 3),
            "fallback": hybrid.fallback, "trending_half_life_days": hybrid.trending_half_life_days,
        }
        for event_type in EventType:
            initial[f"weight_{event_type.value}"] = profile.event_weights.of(event_type.value)
        super().__init__(*args, initial=initial, **kwargs)
        for event_type in EventType:
            self.fields[f"weight_{event_type.value}"] = _number(event_type.label, low=0, high=100)

    def event_weight_fields(self):
        return [self[f"weight_{event_type.value}"] for event_type in EventType]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            profile = replace(
                self.config.profile,
                event_weights=engine.EventWeights(**{t.value: data[f"weight_{t.value}"] for t in EventType}),
                half_life_days=data["half_life_days"], product_weight=data["product_weight"],
                query_weight=data["query_weight"], social_weight=data["social_weight"],
            )
            hybrid = replace(
                self.config.hybrid, profile_weight=data["profile_weight"],
                cooccurrence_weight=data["cooccurrence_weight"], popularity_weight=data["popularity_weight"],
                mmr_lambda=round(1.0 - data["diversity"], 6), fallback=data["fallback"],
                trending_half_life_days=data["trending_half_life_days"],
            )
        except engine.SettingsError as exc:
            raise forms.ValidationError(str(exc)) from None
        data["config"] = validate_config(profile.to_dict(), hybrid.to_dict())
        return data


class EvaluationForm(forms.Form):
    methods = forms.MultipleChoiceField(
        choices=[(name, name.replace("_", "-")) for name in METHOD_NAMES], initial=list(METHOD_NAMES),
        widget=forms.CheckboxSelectMultiple,
    )
    k = forms.IntegerField(min_value=1, max_value=100, initial=10)
    seed = forms.IntegerField(min_value=0, max_value=2**31 - 1, initial=0)
    cold_fraction = forms.FloatField(min_value=0.01, max_value=0.9, initial=0.1, label="Cold items share")
    max_shoppers = forms.IntegerField(min_value=10, required=False, label="Sample of shoppers",
                                      help_text="Empty: every shopper.")
