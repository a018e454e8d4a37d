"""Forms of the partner portal: decisions on referrals, one at a time or in bulk."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from matching.forms import BULK_LIMIT, IdListField
from matching.models import DeclineReason
from partners.forms import BLANK

DECISIONS = [
    ("accepted", _("Accept")),
    ("declined", _("Decline")),
    ("listed", _("Mark as listed")),
]
DECLINE_NEEDS_REASON = _("Say why the product is declined: the officer and the producer read it.")
OTHER_NEEDS_WORDS = _("You chose “another reason”: say what it is.")
LISTING_NEEDS_LINK = _("Give the listing link and the date it went on sale.")


def _reason_fields():
    code = forms.ChoiceField(
        label=_("Reason for declining"),
        choices=BLANK + DeclineReason.choices,
        required=False,
        error_messages={"invalid_choice": _("Choose one of the reasons in the list.")},
    )
    words = forms.CharField(
        label=_("In your own words (the officer and the producer read it)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    return code, words


def _check_decline(form: forms.Form, cleaned: dict) -> None:
    code, words = cleaned.get("reason_code", ""), cleaned.get("reason", "").strip()
    if not code and not words:
        form.add_error("reason_code", DECLINE_NEEDS_REASON)
    elif code == "other" and not words:
        form.add_error("reason", OTHER_NEEDS_WORDS)


class ReferralDecisionForm(forms.Form):
    """One decision on one referral: accept, decline (a common reason and/or words), or mark
    listed (link and date). The service decides whether the move is open."""

    decision = forms.ChoiceField(
        choices=DECISIONS,
        error_messages={"invalid_choice": _("Choose one of the actions shown.")},
    )
    reason_code, reason = _reason_fields()
    listing_url = forms.URLField(
        label=_("Listing link"), required=False, assume_scheme="https", max_length=200
    )
    listed_on = forms.DateField(
        label=_("On sale since"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if decision == "declined":
            _check_decline(self, cleaned)
        if decision == "listed":
            if not cleaned.get("listing_url") and "listing_url" not in self.errors:
                self.add_error("listing_url", LISTING_NEEDS_LINK)
            if not cleaned.get("listed_on") and "listed_on" not in self.errors:
                self.add_error("listed_on", LISTING_NEEDS_LINK)
        return cleaned


class BulkDecisionForm(forms.Form):
    """The same decision (accept, or decline with one reason) for the ticked referrals."""

    ids = IdListField(error_messages={"required": _("Tick at least one product first.")})
    decision = forms.ChoiceField(
        choices=DECISIONS[:2],
        error_messages={"invalid_choice": _("Choose one of the actions shown.")},
    )
    reason_code, reason = _reason_fields()

    def clean_ids(self):
        ids = self.cleaned_data["ids"]
        if len(ids) > BULK_LIMIT:
            raise forms.ValidationError(
                _("At most %(n)s at a time; narrow the list with the filters.") % {"n": BULK_LIMIT}
            )
        return ids

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "declined":
            _check_decline(self, cleaned)
        return cleaned
