"""Filters of the API's query strings that refuse what their schema does not allow (400) instead
of quietly ignoring it: `?is_active=maybe` or `?min_score=0.5` is a mistake the caller should
hear about, not a list filtered by nothing. And the FilterSet every filter set of the portal
derives from (pages and API)."""

from __future__ import annotations

import copy

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


class FilterSet(django_filters.FilterSet):
    """django-filter's FilterSet, with its filters and its form's fields copied one level down
    instead of deep-copied on every request (issue 13, sixteenth pass): a list page's filter
    set deep-copied its filters (their querysets, choices and widgets), made a field of each,
    and its form deep-copied those fields once more (the shortlist's filter set, form and query
    took 0.85 ms, now 0.41-0.51 ms). Each filter set
    still has filters and fields of its own; what they share (a queryset, a list of choices,
    a label) is what nothing changes per request: a filter's field and a field's queryset are
    made afresh, as django-filter and Django make them. Every FilterSet of the portal is one
    of these.

    `queryset` may also be a function that builds it, of the filter set's model: it is then
    built when the filtered rows are first asked for (`qs`), and not at all when a page reads
    its rows otherwise (a statement, kept ids): building the officer's candidates' query took
    1.4 ms of each visit (issue 13, seventeenth pass)."""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # BaseFilterSet.__init__ deep-copies base_filters: this instance's view of them copies
        # each filter once.
        self.base_filters = _FiltersOfOneSet(type(self).base_filters)
        build = queryset if callable(queryset) else None
        super().__init__(data, None if build else queryset, request=request, prefix=prefix)
        if build is not None:
            self.queryset = build

    @property
    def queryset(self):
        queryset = self.__dict__["_queryset"]
        if callable(queryset):
            queryset = self.__dict__["_queryset"] = queryset()
            if queryset.model is not self._meta.model:
                raise TypeError(
                    f"{type(self).__name__}: the queryset built is of {queryset.model.__name__},"
                    f" not of {self._meta.model.__name__}"
                )
        return queryset

    @queryset.setter
    def queryset(self, queryset) -> None:
        self.__dict__["_queryset"] = queryset

    def get_form_class(self):
        form_class = super().get_form_class()
        # Fields made for this one form (each filter's field, made per filter set): the
        # form's own deep copy of them is not needed.
        form_class.base_fields = _FieldsOfOneForm(form_class.base_fields)
        return form_class


class _FiltersOfOneSet(dict):
    def __deepcopy__(self, memo):
        return {name: _own_filter(filter_) for name, filter_ in self.items()}


def _own_filter(filter_):
    """A copy of `filter_` for one filter set: its own attributes and extra arguments, no form
    field yet, and its `method` bound to the copy (django-filter's FilterMethod holds its
    filter, to find the method on the filter set)."""
    own = copy.copy(filter_)
    own.__dict__.pop("_field", None)
    own.extra = dict(filter_.extra)
    if filter_.method is not None:
        own.method = filter_.method  # a FilterMethod of the copy, in place of the original's
    return own


class _FieldsOfOneForm(dict):
    def __deepcopy__(self, memo):
        return dict(self)
