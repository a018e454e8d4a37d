from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OtopPortalConfig(AppConfig):
    name = "otop_portal"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from otop_portal.choices import register_reference_models
        from otop_portal.models import Province, User

        # Choices of selects (otop_portal/choices.py): provinces, and an officer's own.
        register_reference_models(Province, m2m=(User.provinces.through,))
