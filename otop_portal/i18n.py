"""Small helpers for bilingual (Thai/English) reference data."""

from django.db import models
from django.utils.translation import get_language


class BilingualNameMixin(models.Model):
    """`name` in the reader's language: English when they chose English, Thai otherwise."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if get_language() == "en" and getattr(self, "name_en", ""):
            return self.name_en
        return self.name_th
