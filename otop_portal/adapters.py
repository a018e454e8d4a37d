from allauth.account.adapter import DefaultAccountAdapter
from django.utils import translation
from django.utils.encoding import force_str

from otop_portal.emails import PortalSite, subject_prefix
from otop_portal.models import Role
from otop_portal.notifications import site_url


class AccountAdapter(DefaultAccountAdapter):
    """Self sign-up makes producers only; officers, partner members and admins are invited."""

    def save_user(self, request, user, form, commit=True):
        user.role = Role.PRODUCER
        user.language = translation.get_language() or user.language
        return super().save_user(request, user, form, commit=commit)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # allauth greets "Hello from <site name>!": the portal's name, not the request's host.
        super().send_mail(
            template_prefix, email, {**context, "current_site": PortalSite.at(site_url())}
        )

    def format_email_subject(self, subject: str) -> str:
        return subject_prefix() + force_str(subject)
