from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProducersConfig(AppConfig):
    name = "producers"
    verbose_name = _("Producers and products")

    def ready(self) -> None:
        from otop_portal.choices import register_reference_models
        from producers.models import Category, CertificationType, SubCategory

        # Choices of selects (otop_portal/choices.py).
        register_reference_models(Category, SubCategory, CertificationType)
