"""The portal's FilterSet (otop_portal.filters): filters and form fields copied one level down
instead of deep-copied, and still each filter set's own."""

import pytest
from django.test import RequestFactory

from matching.models import Referral
from partners.portal.filters import PartnerReferralFilter
from producers.models import Product
from tests import factories
from tests.partners.matrix_rows_portal import sent_referrals

pytestmark = pytest.mark.django_db


def _filterset(user, data=None):
    request = RequestFactory().get("/partner/")
    request.user = user
    return PartnerReferralFilter(data or {}, queryset=Referral.objects.all(), request=request)


def test_two_members_filter_sets_have_their_own_filters_fields_and_choices(
    partner, partner_org, other_partner_org, officer
):
    own = factories.ChannelFactory(partner=partner_org, code="central-shelf")
    theirs = factories.ChannelFactory(partner=other_partner_org, code="shopee-mall")
    other = factories.PartnerMemberFactory(partner=other_partner_org)
    ours, others = _filterset(partner), _filterset(other)
    assert ours.filters["channel"] is not others.filters["channel"]
    assert ours.filters["channel"].parent is ours and others.filters["channel"].parent is others
    assert ours.form.fields["channel"] is not others.form.fields["channel"]
    assert [c.code for c in ours.form.fields["channel"].queryset] == [own.code]
    assert [c.code for c in others.form.fields["channel"].queryset] == [theirs.code]
    # A page that changes its form's field (a widget's attributes) changes no other form.
    ours.form.fields["q"].widget.attrs["placeholder"] = "ค้นหา"
    ours.filters["q"].extra["help_text"] = "changed"
    again = _filterset(partner)
    assert "placeholder" not in again.form.fields["q"].widget.attrs
    assert again.filters["q"].extra["help_text"] != "changed"
    # Even a field made on the class's own filter (by a schema, say) is not a form's field.
    shared = PartnerReferralFilter.base_filters["q"].field
    assert _filterset(partner).form.fields["q"] is not shared


def test_a_filter_with_a_method_runs_it_on_its_own_filter_set(partner, officer, partner_org):
    channel = factories.ChannelFactory(partner=partner_org, code="central-shelf")
    sent = sent_referrals(2, channel=channel, officer=officer)
    Referral.objects.filter(pk=sent[0].pk).update(state="accepted")
    for state, expected in (("accepted", [sent[0].pk]), ("sent", [sent[1].pk])):
        filterset = _filterset(partner, {"state": state})
        assert filterset.is_valid(), filterset.errors
        assert list(filterset.qs.values_list("pk", flat=True)) == expected


def test_a_queryset_given_as_a_function_is_built_when_the_rows_are_first_asked_for(
    partner, partner_org, officer
):
    """A page that reads its rows otherwise (a statement, kept ids) does not build the list's
    query; one that asks for the rows gets them filtered, built once."""
    channel = factories.ChannelFactory(partner=partner_org, code="central-shelf")
    kept, other = sent_referrals(2, channel=channel, officer=officer)
    built = []

    def build():
        built.append(1)
        return Referral.objects.exclude(pk=other.pk)

    request = RequestFactory().get("/partner/")
    request.user = partner
    filterset = PartnerReferralFilter({"state": "sent"}, queryset=build, request=request)
    assert filterset.is_valid() and filterset.form.cleaned_data["state"] == "sent"
    assert built == []
    assert list(filterset.qs) == [kept] and list(filterset.qs) == [kept]
    assert built == [1]


def test_a_queryset_built_of_another_model_is_refused(partner):
    request = RequestFactory().get("/partner/")
    request.user = partner
    filterset = PartnerReferralFilter({}, queryset=Product.objects.all, request=request)
    with pytest.raises(TypeError, match="of Product, not of Referral"):
        list(filterset.qs)
