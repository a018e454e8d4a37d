"""Serializer parts the apps' APIs share."""

from __future__ import annotations

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.translation import get_language
from rest_framework import serializers

from otop_portal.choices import kept_rendered
from otop_portal.pagination import values_key

# Rows' representations kept by the process (KeptRowsListSerializer), all dropped when this many
# are kept.
KEPT_REPRESENTATIONS = 10_000
_kept_representations: dict[tuple, object] = {}


class KeptRowsListSerializer(serializers.ListSerializer):
    """A list whose rows, read as values (otop_portal.pagination.ValuesRow), are serialized once
    per process for everything they hold: the same page of a list comes back from one call to
    the next (a partner's system polling its shortlist), and serializing its 50 rows field by
    field was a third of the call's CPU (issue 13). The key is the serializer's class, the
    language and every value of the row, so a row that changed is serialized afresh. For a
    serializer whose representation of a row depends on nothing else (no request: no absolute
    URLs); any other row (a model) is serialized every time. The kept representations are
    shared: nothing changes them."""

    def to_representation(self, data):
        child, language = self.child, get_language()
        rows = data.all() if hasattr(data, "all") else data

        def represent(row):
            values = values_key(row)
            if values is None:
                return child.to_representation(row)
            key = (type(child), language, values)
            return kept_rendered(
                _kept_representations,
                key,
                lambda: child.to_representation(row),
                KEPT_REPRESENTATIONS,
            )

        return [represent(row) for row in rows]


@receiver(setting_changed)
def _forget_kept_representations(**kwargs) -> None:
    _kept_representations.clear()  # a representation may have changed (time zone, formats ...)
