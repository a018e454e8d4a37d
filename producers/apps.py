from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProducersConfig(AppConfig):
    name = "producers"
    verbose_name = _("Producers and products")

    def ready(self) -> None:
        from otop_portal.choices import register_reference_models
        from producers.models import Category, CertificationType, SubCategory

        # Choices of selects and the names and rules kept per process (otop_portal/choices.py):
        # which categories a certificate type applies to is part of the rules.
        register_reference_models(
            Category, SubCategory, CertificationType, m2m=(CertificationType.categories.through,)
        )
