"""Small helpers for bilingual (Thai/English) reference data."""

from django.db import models
from django.utils.translation import get_language

_choice_labels: dict[tuple, dict] = {}


def localized(name_th: str, name_en: str, language: str | None = None) -> str:
    """A name in the reader's language (`language`, the active one when None): English when
    they chose English and there is one, Thai otherwise (every model's `name`, and rows read
    without their models, which look the language up once for all their rows)."""
    if name_en and (language or get_language()) == "en":
        return name_en
    return name_th


def choice_labels(model: type[models.Model], field_name: str) -> dict:
    """A choices field's labels by value, in the reader's language, translated once per
    language and process: Django's get_<field>_display() makes every label of the field
    hashable, and so translates them all, for each call (0.2 ms a row of the shortlist under
    cProfile, issue 13). For the row templates (otop_portal.jinja2.choice_label) and the API
    (matching.api.serializers.ChoiceLabelField)."""
    key = (model._meta.label, field_name, get_language())
    labels = _choice_labels.get(key)
    if labels is None:
        field = model._meta.get_field(field_name)
        labels = _choice_labels[key] = {value: str(label) for value, label in field.flatchoices}
    return labels


class BilingualNameMixin(models.Model):
    """`name` in the reader's language: English when they chose English, Thai otherwise."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self.name_th, getattr(self, "name_en", ""))
