"""The one rule for who may change a partner, its channels and their requirements.

Views, forms and the API all ask can_edit_partner; nothing else decides it.
"""

from __future__ import annotations

from otop_portal.models import Role
from partners.models import Partner, PartnerStatus


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
