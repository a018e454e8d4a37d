from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Matching and referrals")

    def ready(self) -> None:
        from matching import hooks, notifications
        from matching.officer import notifications as officer_notifications

        hooks.connect()
        notifications.register()
        officer_notifications.register()
