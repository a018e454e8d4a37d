"""Forms of the officers' pages."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ReasonForm(forms.Form):
    """The reason given when an officer returns a producer or rejects a certificate; the
    producer reads it."""

    reason = forms.CharField(
        label=_("Reason (the producer sees it)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Give the reason: the producer needs it to put it right.")},
    )
