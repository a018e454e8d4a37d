"""Select choices read from a model in one plain query (issue 13).

Django reads a ModelChoiceField's choices with QuerySet.iterator(), which on PostgreSQL opens a
server-side cursor WITH HOLD: DECLARE, FETCH and CLOSE, the result kept past the commit, for
the five to eighty rows of a reference table. The officers' and partners' list pages carry
four or five such selects: 4-5 ms of a filter form's 17 (docs/performance.md). The fields here
read their choices as an ordinary query; their choices are otherwise Django's and
django-filter's (the empty and "none" choices, labels, values).
"""

from __future__ import annotations

import django_filters
from django import forms
from django.forms.models import ModelChoiceIterator


class ListedChoiceIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        null_label = getattr(self.field, "null_label", None)  # django-filter's "none" choice
        if null_label is not None:
            yield (self.field.null_value, null_label)
        for obj in self.queryset.all():  # evaluated as a list: no server-side cursor
            yield self.choice(obj)

    def __len__(self):
        return super().__len__() + (getattr(self.field, "null_label", None) is not None)


class ModelChoiceField(forms.ModelChoiceField):
    iterator = ListedChoiceIterator


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = ListedChoiceIterator


class FilterModelChoiceField(django_filters.fields.ModelChoiceField):
    iterator = ListedChoiceIterator


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = FilterModelChoiceField
