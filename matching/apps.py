from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Matching and referrals")

    def ready(self) -> None:
        from matching import hooks, notifications
        from matching.officer import notifications as officer_notifications
        from matching.selectors import partner_member_sees_product
        from producers.selectors import register_product_reader

        hooks.connect()
        notifications.register()
        officer_notifications.register()
        register_product_reader(partner_member_sees_product)
