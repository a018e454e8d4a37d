"""How long free text may be. Every text a person types has a limit, checked by the form, the
API and the model (services call full_clean), so a 100,000-character "description" is refused
with a message instead of flowing into pages, feeds and exports."""

from django.core.validators import MaxLengthValidator

DESCRIPTION_MAX = 5000  # product, partner and channel descriptions
NOTE_MAX = 2000  # reasons, notes, messages


def text_limit(max_length: int) -> dict:
    """Keyword arguments of a models.TextField with a limit: max_length sizes the form field
    and the API field; the validator makes full_clean check it (a TextField alone does not)."""
    return {"max_length": max_length, "validators": [MaxLengthValidator(max_length)]}
