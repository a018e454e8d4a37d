from allauth.account.adapter import DefaultAccountAdapter
from django.contrib import messages
from django.shortcuts import redirect
from django.utils import translation
from django.utils.encoding import force_str

from otop_portal.access import account_refusal
from otop_portal.emails import PortalSite, subject_prefix
from otop_portal.models import Role
from otop_portal.notifications import site_url


class AccountAdapter(DefaultAccountAdapter):
    """Self sign-up makes producers only; officers, partner members and admins are invited."""

    def save_user(self, request, user, form, commit=True):
        user.role = Role.PRODUCER
        user.language = translation.get_language() or user.language
        return super().save_user(request, user, form, commit=commit)

    def pre_login(self, request, user, **kwargs):
        """Every allauth login (password, email confirmation, password reset; the Django
        admin's login too) asks the one rule of refused accounts (otop_portal.access)."""
        reason = account_refusal(user)
        if reason:
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            messages.error(request, reason)
            return redirect("account_login")
        return super().pre_login(request, user, **kwargs)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # allauth greets "Hello from <site name>!": the portal's name, not the request's host.
        super().send_mail(
            template_prefix, email, {**context, "current_site": PortalSite.at(site_url())}
        )

    def format_email_subject(self, subject: str) -> str:
        return subject_prefix() + force_str(subject)
