"""Forms for partner profiles, channels and requirements. They check the shape of the input;
the contradictions (minimum above maximum, a one-certificate "any of" group ...) are checked in
partners.services, so the API reports them in the same words."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from otop_portal.choices import ModelChoiceField, ModelMultipleChoiceField
from otop_portal.models import Province
from otop_portal.thai_input import ThaiDateField
from partners.models import (
    Channel,
    ChannelRequirement,
    Partner,
    PartnerStatus,
    PreferredKind,
    RuleMode,
)
from partners.services import CHANNEL_FIELDS, PARTNER_FIELDS, REQUIREMENT_FIELDS
from producers.models import Category, CertificationType, ProducerType, SubCategory

BLANK = [("", "---------")]


class PartnerForm(forms.ModelForm):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    status = forms.ChoiceField(
        label=_("Status"),
        choices=PartnerStatus.choices,
        help_text=_(
            "Leaving the MOU is recorded on its own page (“Leaving the MOU” on the partner's "
            "page), which first shows what will stop."
        ),
    )

    mou_date = ThaiDateField(label=_("MOU signed"), required=False)

    class Meta:
        model = Partner
        fields = list(PARTNER_FIELDS)
        widgets = {
            "description_th": forms.Textarea(attrs={"rows": 4}),
            "description_en": forms.Textarea(attrs={"rows": 4}),
            "contact_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        }

    def __init__(self, *args, may_set_status: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if may_set_status and self.instance.status != PartnerStatus.LEFT:
            self.fields["status"].initial = self.instance.status
            # Never left as a side effect of saving the profile: see matching/leave_views.py.
            self.fields["status"].choices = [
                choice for choice in PartnerStatus.choices if choice[0] != PartnerStatus.LEFT
            ]
        else:
            del self.fields["status"]


class ChannelForm(forms.ModelForm):
    class Meta:
        model = Channel
        fields = list(CHANNEL_FIELDS)
        widgets = {
            "description_th": forms.Textarea(attrs={"rows": 3}),
            "description_en": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provinces"].queryset = Province.objects.order_by("name_th")


class NewChannelForm(ChannelForm):
    class Meta(ChannelForm.Meta):
        fields = ["code", *ChannelForm.Meta.fields]
        help_texts = {
            "code": _("Short name for web addresses: lower-case letters, digits and hyphens."),
        }


class RequirementForm(forms.ModelForm):
    producer_types = forms.MultipleChoiceField(
        label=_("Accepted producer types"),
        choices=ProducerType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every kind of producer."),
    )
    change_note = forms.CharField(
        label=_("What changed and why (shown in the history)"), max_length=300, required=False
    )

    class Meta:
        model = ChannelRequirement
        fields = list(REQUIREMENT_FIELDS)
        widgets = {
            "categories": forms.CheckboxSelectMultiple,
            "subcategories": forms.CheckboxSelectMultiple,
            "min_star_level": forms.NumberInput(attrs={"min": 1, "max": 5}),
            "notes_th": forms.Textarea(attrs={"rows": 3}),
            "notes_en": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subcategories"].queryset = SubCategory.objects.select_related("category")


class CertificateRuleForm(forms.Form):
    # A blank first choice: an unused extra form is sent unchanged and so is skipped.
    mode = forms.ChoiceField(label=_("Which certificates"), choices=BLANK + RuleMode.choices)
    certification_types = ModelMultipleChoiceField(
        label=_("Certificates"),
        queryset=CertificationType.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    conditional = forms.BooleanField(label=_("Only for some categories"), required=False)
    categories = ModelMultipleChoiceField(
        label=_("Categories this rule applies to"),
        queryset=Category.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class PreferredForm(forms.Form):
    kind = forms.ChoiceField(label=_("Preferred"), choices=BLANK + PreferredKind.choices)
    weight = forms.IntegerField(
        label=_("Weight (1 to 100)"),
        min_value=1,
        max_value=100,
        help_text=_("How much it adds to a product's score."),
    )
    certification_type = ModelChoiceField(
        label=_("Certificate (for an extra certificate)"),
        queryset=CertificationType.objects.all(),
        required=False,
    )
    target_star_level = forms.IntegerField(
        label=_("Star level (for more stars)"), min_value=1, max_value=5, required=False
    )
    provinces = ModelMultipleChoiceField(
        label=_("Provinces (for producers nearby)"),
        queryset=Province.objects.order_by("name_th"),
        required=False,
    )
    target_capacity = forms.IntegerField(
        label=_("Monthly capacity (for capacity above the minimum)"), min_value=1, required=False
    )


CertificateRuleFormSet = forms.formset_factory(CertificateRuleForm, extra=2, can_delete=True)
PreferredFormSet = forms.formset_factory(PreferredForm, extra=2, can_delete=True)


def filled_forms(formset) -> list[forms.Form]:
    """The formset's forms that hold a rule to keep (not blank, not marked for deletion)."""
    return [
        f
        for f in formset.forms
        if f.has_changed() and not (formset.can_delete and formset._should_delete_form(f))
    ]
