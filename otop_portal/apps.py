from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OtopPortalConfig(AppConfig):
    name = "otop_portal"
    verbose_name = _("Accounts and roles")
