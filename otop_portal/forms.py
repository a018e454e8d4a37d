from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from otop_portal.choices import ModelChoiceField, ModelMultipleChoiceField
from otop_portal.models import Province, Role, partner_model
from otop_portal.roles import invitable_roles


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"))
    language = forms.ChoiceField(
        label=_("Language of the invitation email"), choices=settings.LANGUAGES
    )
    provinces = ModelMultipleChoiceField(
        label=_("Provinces (for officers)"),
        queryset=Province.objects.all(),
        required=False,
        help_text=_("An officer sees and acts on producers of these provinces only."),
    )
    is_national_officer = forms.BooleanField(
        label=_("National officer (all provinces)"), required=False
    )
    partner = ModelChoiceField(
        label=_("Partner (for partner members)"),
        queryset=Province.objects.none(),  # the partners in the MOU, set in __init__
        required=False,
    )
    is_partner_admin = forms.BooleanField(
        label=_("Partner administrator (may invite colleagues)"), required=False
    )

    def __init__(self, *args, inviter, **kwargs):
        super().__init__(*args, **kwargs)
        self.inviter = inviter
        self.fields["partner"].queryset = partner_model().objects.in_mou()
        roles = invitable_roles(inviter)
        self.fields["role"].choices = [(c, label) for c, label in Role.choices if c in roles]
        if roles == [Role.PARTNER]:
            self.fields["role"].initial = Role.PARTNER
            del self.fields["provinces"]
            del self.fields["is_national_officer"]
        if inviter.role == Role.PARTNER:
            del self.fields["partner"]  # always their own partner

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role == Role.OFFICER and not (data.get("provinces") or data.get("is_national_officer")):
            self.add_error(
                "provinces",
                _("Choose the officer's provinces, or make them a national officer."),
            )
        if role == Role.PARTNER and "partner" in self.fields and not data.get("partner"):
            self.add_error("partner", _("Choose the partner this person works for."))
        return data


class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords are not the same."))
        elif p1:
            from otop_portal.models import User

            probe = User(email=self.email, full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class NotificationSettingsForm(forms.Form):
    """A partner member's choice of how new referrals reach them by email."""

    referral_emails = forms.ChoiceField(
        label=_("Emails about new products referred to your partner"),
        choices=[
            ("immediate", _("One email for each new referral, as it comes")),
            ("daily", _("One email a day listing the new referrals (daily digest)")),
        ],
        widget=forms.RadioSelect,
        help_text=_("Either way, new referrals also appear on your partner home page."),
    )
