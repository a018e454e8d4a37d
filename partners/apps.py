from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("MOU partners")

    def ready(self) -> None:
        from otop_portal.access import register_refusal
        from partners.permissions import partner_left_refusal

        register_refusal(partner_left_refusal)

        from otop_portal.choices import register_reference_models
        from partners.models import Channel, ChannelRequirement, Partner, RequirementVersion

        # Choices of selects, and the channels' requirements kept per process
        # (otop_portal/choices.py, matching.selectors._active_channel_rows).
        register_reference_models(Partner, Channel, ChannelRequirement, RequirementVersion)
