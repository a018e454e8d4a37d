from allauth.account.adapter import DefaultAccountAdapter
from django.utils import translation

from otop_portal.models import Role


class AccountAdapter(DefaultAccountAdapter):
    """Self sign-up makes producers only; officers, partner members and admins are invited."""

    def save_user(self, request, user, form, commit=True):
        user.role = Role.PRODUCER
        user.language = translation.get_language() or user.language
        return super().save_user(request, user, form, commit=commit)
