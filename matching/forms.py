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


class IdListField(forms.Field):
    """The ticked rows of a list: many `ids` values, each a positive whole number."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        try:
            ids = [int(v) for v in value]
        except (TypeError, ValueError):
            raise forms.ValidationError(_("The selection was not understood; try again.")) from None
        if any(i <= 0 for i in ids):
            raise forms.ValidationError(_("The selection was not understood; try again."))
        return list(dict.fromkeys(ids))


REJECT_NEEDS_NOTE = _("Say why it is rejected: the producer reads it.")
BULK_LIMIT = 500


def _check_note(cleaned: dict, form: forms.Form) -> None:
    if cleaned.get("to_state") == "rejected" and not cleaned.get("note", "").strip():
        form.add_error("note", REJECT_NEEDS_NOTE)


class ReferralMoveForm(forms.Form):
    """One move of one referral from its page; the service decides whether it is allowed."""

    to_state = forms.ChoiceField(
        choices=[
            ("approved", _("Approve")),
            ("rejected", _("Reject")),
            ("sent", _("Send to the partner")),
            ("withdrawn", _("Withdraw")),
        ],
        error_messages={"invalid_choice": _("Choose one of the actions shown.")},
    )
    note = forms.CharField(
        label=_("Note (kept in the history; the producer sees a rejection's reason)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        cleaned = super().clean()
        _check_note(cleaned, self)
        return cleaned


class BulkReferralForm(ReferralMoveForm):
    """The same move, with one note, for the ticked referrals."""

    ids = IdListField(
        error_messages={"required": _("Tick at least one referral first.")},
    )

    def clean_ids(self):
        ids = self.cleaned_data["ids"]
        if len(ids) > BULK_LIMIT:
            raise forms.ValidationError(
                _("At most %(n)s at a time; narrow the list with the filters.") % {"n": BULK_LIMIT}
            )
        return ids


class CandidateReferralForm(forms.Form):
    """Ticked candidates (match results) turned into referrals: proposed, approved at once, or
    rejected with a reason so they leave the candidate list."""

    ids = IdListField(error_messages={"required": _("Tick at least one candidate first.")})
    to_state = forms.ChoiceField(
        choices=[
            ("proposed", _("Propose")),
            ("approved", _("Approve for referral")),
            ("rejected", _("Reject")),
        ],
        error_messages={"invalid_choice": _("Choose one of the actions shown.")},
    )
    note = ReferralMoveForm.base_fields["note"]

    def clean_ids(self):
        return BulkReferralForm.clean_ids(self)

    def clean(self):
        cleaned = super().clean()
        _check_note(cleaned, self)
        return cleaned


class ReferralMessageForm(forms.Form):
    """A question to the officers about a referral, or an officer's answer."""

    text = forms.CharField(
        label=_("Your message"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write your question or answer first.")},
    )
