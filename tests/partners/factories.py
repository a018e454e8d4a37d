"""factory_boy factories for the partners app (re-exported by tests/factories.py)."""

import factory

from partners.models import Channel, ChannelKind
from partners.services import channel_create
from tests.factories import PartnerFactory

__all__ = ["ChannelFactory"]


class ChannelFactory(factory.django.DjangoModelFactory):
    """A channel with its requirement at version 1, made the way the portal makes them.

    ChannelFactory(partner=p, requirement={"min_star_level": 4}, certificate_rules=[...]).
    """

    class Meta:
        model = Channel

    partner = factory.SubFactory(PartnerFactory)
    code = factory.Sequence(lambda n: f"channel-{n}")
    kind = ChannelKind.ONLINE_MARKETPLACE
    name_th = factory.LazyAttribute(lambda o: f"ช่องทาง {o.code}")
    name_en = factory.LazyAttribute(lambda o: f"Channel {o.code}")
    nationwide = True

    @classmethod
    def _create(cls, model_class, *args, partner, code, **kwargs):
        requirement = kwargs.pop("requirement", None) or {}
        rules = kwargs.pop("certificate_rules", None)
        preferred = kwargs.pop("preferred", None)
        return channel_create(
            partner=partner,
            code=code,
            channel_data=kwargs,
            by=None,
            note="factory",
            requirement_data=requirement,
            certificate_rules=rules,
            preferred=preferred,
        )
