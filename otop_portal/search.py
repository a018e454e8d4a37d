"""Text search on names that works for Thai.

Thai has no letter case and no spaces between words, so a word cannot be found by splitting the
stored text: a substring match is the right basis. The query is split on the spaces the reader
typed; every term must appear in one of the fields (in any order). On PostgreSQL the substring
matches are backed by trigram (pg_trgm) GIN indexes (producers/migrations/0003_thai_trigram_
search.py); SQLite scans, which is fine at the size of a laptop's data.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

MAX_TERMS = 8  # a query of more words than this is a sentence, not a search: the rest is ignored

# Invisible characters Thai text carries as word-break hints: they would make a term miss.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
# SARA AM (ำ) is also typed as NIKHAHIT + SARA AA (ํา), with a tone mark before, between or
# not at all: they all look the same. Keyboards and the stored names use the single character
# after the tone mark (น้ำ), so the query does too.
_SARA_AM_SPELLED = re.compile("\u0e4d([\u0e48-\u0e4b]?)\u0e32")


def normalize_query(text: str | None) -> str:
    """The query as stored names are written: Unicode NFC, no invisible characters, ำ as one
    character, runs of whitespace as one space, no space at either end."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", str(text)).translate(_INVISIBLE)
    text = _SARA_AM_SPELLED.sub("\\1\u0e33", text)
    return " ".join(text.split())


def search_terms(text: str | None) -> list[str]:
    """The terms of a query, each to be found somewhere in the fields (duplicates dropped)."""
    return list(dict.fromkeys(normalize_query(text).split()))[:MAX_TERMS]


def thai_search(queryset: QuerySet, text: str | None, fields: Sequence[str]) -> QuerySet:
    """Rows in which every term of `text` is contained in at least one of `fields` (paths as in
    filter(), e.g. "producer__name_th"), case-insensitively for Latin letters. An empty query
    leaves the queryset as it is. `fields` should not cross a to-many relation (it would repeat
    rows)."""
    for term in search_terms(text):
        queryset = queryset.filter(reduce(or_, (Q(**{f"{f}__icontains": term}) for f in fields)))
    return queryset
