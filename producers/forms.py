"""Forms of the producer pages. Field rules come from producers.validators (shared with the
API); rules across fields and rows live in producers.services."""

from __future__ import annotations

import re
from decimal import Decimal

import geothai
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from otop_portal.choices import ModelChoiceField
from otop_portal.models import Province
from otop_portal.thai_input import ThaiDateField, normalise_digits
from producers import validators
from producers.models import (
    CERTIFICATION_FIELDS,
    PRODUCT_FIELDS,
    STEP_FIELDS,
    Certification,
    CertificationType,
    CommunityRole,
    Producer,
    ProducerType,
    Product,
    ProductStatus,
    SubCategory,
)


def _initial(producer: Producer, step: str) -> dict:
    """A registration step's form filled in from the profile (producers.models.STEP_FIELDS)."""
    return {name: getattr(producer, name) for name in STEP_FIELDS[step]}


def _place_name(place) -> str:
    return place.name_en if get_language() == "en" else place.name_th


class IdentityForm(forms.Form):
    producer_type = forms.ChoiceField(
        label=_("Producer type"), choices=ProducerType.choices, widget=forms.RadioSelect
    )
    name_th = forms.CharField(
        label=_("Name in Thai"),
        max_length=200,
        help_text=_("The group's or business's name, as on its documents."),
    )
    name_en = forms.CharField(label=_("Name in English (optional)"), max_length=200, required=False)
    national_id = forms.CharField(
        label=_("Representative's national ID"),
        max_length=20,
        help_text=_("13 digits, as on the ID card of the owner or the group's chair."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    juristic_id = forms.CharField(
        label=_("Juristic-person number"),
        max_length=20,
        required=False,
        help_text=_(
            "Companies and partnerships: 13 digits starting with 0. Required for SME producers."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    community_enterprise_code = forms.CharField(
        label=_("Community-enterprise registration code"),
        max_length=20,
        required=False,
        help_text=_(
            "If the group is a registered community enterprise: 12 digits, like 1-23-45-67/8-9012."
        ),
    )

    def clean_national_id(self):
        return validators.validate_national_id(self.cleaned_data["national_id"])

    def clean_juristic_id(self):
        value = self.cleaned_data["juristic_id"]
        return validators.validate_juristic_id(value) if value else ""

    def clean_community_enterprise_code(self):
        value = self.cleaned_data["community_enterprise_code"]
        return validators.validate_community_enterprise_code(value) if value else ""

    @staticmethod
    def initial_for(producer: Producer) -> dict:
        code = producer.community_enterprise_code
        return _initial(producer, "identity") | {
            # The owner sees their own ID in full.
            "national_id": producer.national_id or "",
            "community_enterprise_code": (
                validators.format_community_enterprise_code(code) if code else ""
            ),
        }


class AddressForm(forms.Form):
    """Province → district → subdistrict, each list built from the values already chosen, so it
    works without JavaScript ("Show the choices" re-renders); static/js/address.js makes it
    instant. A typed postal code narrows the subdistricts."""

    house_no = forms.CharField(label=_("House number"), max_length=50)
    moo = forms.CharField(label=_("Village no. (moo)"), max_length=10, required=False)
    street = forms.CharField(label=_("Street or soi"), max_length=200, required=False)
    postal_code = forms.CharField(
        label=_("Postal code"),
        max_length=5,
        required=False,
        help_text=_("Type it first to narrow the subdistricts."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    province = ModelChoiceField(
        label=_("Province"), queryset=Province.objects.order_by("name_th"), to_field_name="code"
    )
    district_code = forms.ChoiceField(label=_("District"))
    subdistrict_code = forms.ChoiceField(label=_("Subdistrict"))

    field_order = [
        "province",
        "district_code",
        "postal_code",
        "subdistrict_code",
        "house_no",
        "moo",
        "street",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        source = self.data if self.is_bound else self.initial
        province = source.get("province") or ""
        province = getattr(province, "code", province)
        district = source.get("district_code") or ""
        postal = normalise_digits(source.get("postal_code") or "").strip()
        self.fields["province"].empty_label = _("Choose a province")
        # A bound form checks against the whole district, so a wrong postal code gets its own
        # message rather than "not one of the choices".
        narrow_by = postal if not (self.is_bound and district) else ""
        districts, subdistricts = address_options(province, district, narrow_by)
        self.fields["district_code"].choices = [("", _("Choose a district")), *districts]
        self.fields["subdistrict_code"].choices = [("", _("Choose a subdistrict")), *subdistricts]
        self.fields["province"].label_from_instance = _place_name

    def clean_postal_code(self):
        return normalise_digits(self.cleaned_data["postal_code"]).strip()

    def clean(self):
        data = super().clean()
        # A subdistrict chosen from the postal-code list fills in its district and province.
        sub = geothai.subdistrict(data.get("subdistrict_code") or "")
        if sub and not data.get("district_code"):
            data["district_code"] = sub.district_code
        if sub and len(sub.postal_codes) == 1 and not data.get("postal_code"):
            data["postal_code"] = sub.postal_codes[0]
        province = data.get("province")
        errors = validators.validate_address(
            province_code=province.code if province else "",
            district_code=data.get("district_code") or "",
            subdistrict_code=data.get("subdistrict_code") or "",
            postal_code=data.get("postal_code") or "",
        )
        for field, message in errors.items():
            self.add_error(field, message)
        return data

    @staticmethod
    def initial_for(producer: Producer) -> dict:
        return _initial(producer, "address") | {
            "province": producer.province.code if producer.province_id else ""
        }


def address_options(
    province_code: str, district_code: str, postal_code: str = ""
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The district and subdistrict choices for what has been chosen so far."""
    districts = (
        [(d.code, _place_name(d)) for d in geothai.districts(province_code)]
        if province_code
        else []
    )
    if district_code and not any(code == district_code for code, _n in districts):
        district_code = ""
    subs = geothai.subdistricts(district_code) if district_code else []
    if len(postal_code) == 5 and postal_code.isdigit():
        if subs:
            subs = [s for s in subs if postal_code in s.postal_codes] or subs
        else:
            subs = [
                s
                for s in geothai.by_postal_code(postal_code)
                if not province_code or s.province_code == province_code
            ]
    return districts, [(s.code, _place_name(s)) for s in subs]


class ContactForm(forms.Form):
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        help_text=_("Mobile or landline, like 081 234 5678."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    line_id = forms.CharField(label=_("LINE ID (optional)"), max_length=21, required=False)
    member_count = forms.IntegerField(
        label=_("Number of members"),
        min_value=1,
        max_value=100000,
        help_text=_("People in the group, or 1 for a single owner."),
    )
    community_roles = forms.MultipleChoiceField(
        label=_("How the community takes part"),
        choices=CommunityRole.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one way the community takes part.")},
    )

    def clean_phone(self):
        return validators.validate_phone(self.cleaned_data["phone"])

    def clean_line_id(self):
        return validators.validate_line_id(self.cleaned_data["line_id"])

    @staticmethod
    def initial_for(producer: Producer) -> dict:
        return _initial(producer, "contact")


class ConfirmForm(forms.Form):
    consent = forms.BooleanField(
        label=_(
            "I have read the privacy notice and agree that the portal keeps and uses this data "
            "as it describes."
        ),
        required=False,
    )


STEP_FORMS = {
    "identity": IdentityForm,
    "address": AddressForm,
    "contact": ContactForm,
    "confirm": ConfirmForm,
}


# --- Products -----------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each one is checked by the service (producers.uploads)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(
                attrs={"accept": "image/jpeg,image/png,image/webp", "multiple": True}
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class SubCategoryChoiceField(ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.category.name}: {obj.name}"


WEIGHT_MAX_GRAMS = 1_000_000
WEIGHT_ERRORS = {
    "invalid": _("Write the shipping weight in whole grams, for example 250 or 1200."),
    "min_value": _("The shipping weight is at least 1 gram."),
    "max_value": _(
        "The shipping weight is at most 1,000,000 grams (one tonne). Check that it is in grams, "
        "not in another unit."
    ),
}
_WEIGHT = re.compile(
    r"^(?P<number>\d{1,3}(?:[,\s]\d{3})+|\d+)(?:\.(?P<decimals>\d+))?\s*"
    r"(?P<unit>g|gr|grams?|กรัม|ก\.|kg|kgs|kilograms?|กก\.?|กิโลกรัม|กิโล)?$",
    re.IGNORECASE,
)
_KILO_UNITS = {"kg", "kgs", "kilogram", "kilograms", "กก", "กก.", "กิโลกรัม", "กิโล"}


class WeightGramsField(forms.IntegerField):
    """A weight in whole grams. What people write is understood: Thai digits, "1,200",
    "250 g", "250 กรัม", and kilograms ("1.2 kg", "1.2 กก.") turned into grams."""

    default_error_messages = WEIGHT_ERRORS

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", WEIGHT_MAX_GRAMS)
        super().__init__(**kwargs)
        # Not a number box: "250 g" and "1.2 kg" are welcome, and the browser would refuse them.
        self.widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = normalise_digits(str(value)).strip()
        match = _WEIGHT.match(text)
        if match is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        whole = re.sub(r"[,\s]", "", match["number"])
        grams = Decimal(f"{whole}.{match['decimals'] or '0'}")
        if (match["unit"] or "").lower() in _KILO_UNITS:
            grams *= 1000
        if grams != grams.to_integral_value():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return int(grams)


class ProductForm(forms.ModelForm):
    subcategory = SubCategoryChoiceField(
        label=_("Sub-type"),
        queryset=SubCategory.objects.select_related("category"),
        required=False,
    )
    weight_grams = WeightGramsField(
        label=_("Shipping weight (grams)"),
        required=False,
        help_text=_(
            "One unit as sold, packed, in grams: for example 250. Marketplaces need it to work "
            "out delivery."
        ),
    )
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        help_text=_("1 to 8 photos: JPEG, PNG or WebP, up to 8 MB each."),
    )

    class Meta:
        model = Product
        fields = PRODUCT_FIELDS
        labels = {
            "name_th": _("Product name in Thai"),
            "name_en": _("Product name in English (optional)"),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "gtin": forms.TextInput(attrs={"inputmode": "numeric"}),
            "price": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            # A new product asks plainly, on sale by default: a draft is matched to no channel,
            # and producers did not find the status field to change that.
            self.fields["status"] = forms.TypedChoiceField(
                label=_("Ready to sell?"),
                choices=[
                    (ProductStatus.ACTIVE, _("Yes: put it on sale and match it to partners now")),
                    (ProductStatus.DRAFT, _("Not yet: keep it as a draft that no partner sees")),
                ],
                initial=ProductStatus.ACTIVE,
                widget=forms.RadioSelect,
                help_text=_(
                    "Only products on sale are matched to the partners' channels. You can "
                    "change this later."
                ),
            )

    def clean_gtin(self):
        value = self.cleaned_data["gtin"]
        return validators.validate_gtin(value) if value else ""


class CertificationForm(forms.ModelForm):
    award_year = forms.IntegerField(
        label=_("Year awarded"),
        required=False,
        help_text=_("OTOP stars only: the Buddhist year, like 2567."),
    )
    star_level = forms.TypedChoiceField(
        label=_("Number of stars"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "-"), *[(n, "★" * n) for n in range(1, 6)]],
        help_text=_("OTOP stars only."),
    )
    issued_on = ThaiDateField(label=_("Issue date"))
    expires_on = ThaiDateField(
        label=_("Expiry date"), required=False, help_text=_("Leave empty if it does not expire.")
    )
    document = forms.FileField(
        label=_("Scanned certificate"),
        required=False,
        help_text=_("PDF, JPEG or PNG, up to 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )

    class Meta:
        model = Certification
        fields = CERTIFICATION_FIELDS
        widgets = {"scope": forms.RadioSelect, "products": forms.CheckboxSelectMultiple}

    def __init__(self, *args, producer: Producer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = CertificationType.objects.all()
        self.fields["products"].queryset = Product.objects.filter(producer=producer)
        self.fields["products"].required = False
        if self.instance.pk and self.instance.award_year and get_language() == "th":
            self.initial["award_year"] = self.instance.award_year + validators.BE_OFFSET
        hints = {t.code: t.number_hint for t in self.fields["type"].queryset if t.number_hint}
        self.fields["number"].widget.attrs["data-hints"] = "|".join(
            f"{k}={v}" for k, v in hints.items()
        )

    def clean_award_year(self):
        year = self.cleaned_data.get("award_year")
        if year is None:
            return None
        # Thai readers type the Buddhist year; the Christian year is accepted too.
        return validators.validate_award_year(year, today=timezone.localdate())


class EraseForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("To confirm that it is you."),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("This password is incorrect."))
        return password
