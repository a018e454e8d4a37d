"""The one rule for who may change a partner, its channels and their requirements.

Views, forms and the API all ask can_edit_partner; nothing else decides it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from otop_portal.models import Role
from partners.models import Partner, PartnerStatus
from partners.selectors import kept_partner


def can_edit_partner(user, partner: Partner) -> bool:
    """Officers and administrators edit any partner; a partner's own administrators edit theirs
    while it is in the MOU. Everyone else (other members too) only reads."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role in (Role.OFFICER, Role.ADMIN):
        return True
    return (
        user.role == Role.PARTNER
        and user.is_partner_admin
        and user.partner_id == partner.pk
        and partner.status != PartnerStatus.LEFT
    )


def can_set_partner_status(user) -> bool:
    """Pausing a partner or recording that it left the MOU is the department's decision."""
    return getattr(user, "is_authenticated", False) and user.role in (Role.OFFICER, Role.ADMIN)


def partner_left_refusal(user):
    """Members of a partner that left the MOU no longer use the portal or the API (their
    accounts, decisions, saved lists and history stay). Registered with
    otop_portal.access.register_refusal by PartnersConfig."""
    if user.role != Role.PARTNER or user.partner_id is None:
        return None
    partner = kept_partner(user.partner_id)
    if partner is None or partner.status == PartnerStatus.LEFT:
        partner = user.partner  # read afresh: what is refused is decided on the row itself
    if partner.status == PartnerStatus.LEFT:
        return _(
            "Your partner, %(partner)s, has left the OTOP MOU: its members' accounts, API "
            "tokens and keys no longer work. Its history is kept; ask the Community "
            "Development Department if you need a copy."
        ) % {"partner": partner.name}
    return None
