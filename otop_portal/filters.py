"""Filters of the API's query strings that refuse what their schema does not allow (400) instead
of quietly ignoring it: `?is_active=maybe` or `?min_score=0.5` is a mistake the caller should
hear about, not a list filtered by nothing."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

TRUE_WORDS = {"true", "True", "1"}
FALSE_WORDS = {"false", "False", "0"}


class StrictNullBooleanField(forms.NullBooleanField):
    widget = forms.TextInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value is True or value in TRUE_WORDS:
            return True
        if value is False or value in FALSE_WORDS:
            return False
        raise ValidationError(_("Give true or false."), code="invalid")

    def validate(self, value):
        pass


class StrictBooleanFilter(django_filters.BooleanFilter):
    """true/false (or 1/0); absent or empty: not filtered; anything else: 400."""

    field_class = StrictNullBooleanField


class IntegerFilter(django_filters.NumberFilter):
    """A whole number (the schema says integer): 0.5 is refused, not rounded."""

    field_class = forms.IntegerField
