"""The portal's FilterSet (otop_portal.filters): filters and form fields copied one level down
instead of deep-copied, and still each filter set's own."""

import pytest
from django.test import RequestFactory

from matching.models import Referral
from partners.portal.filters import PartnerReferralFilter
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
