"""What every email says about the portal itself: its name and its address."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


def portal_name() -> str:
    """The portal's name as emails say it, in the active language (PORTAL_NAME when set)."""
    return getattr(settings, "PORTAL_NAME", "") or _("OTOP Portal")


def subject_prefix() -> str:
    """The subject prefix, "[พอร์ทัล OTOP] " in Thai: call it in the recipient's language."""
    return f"[{portal_name()}] "


@dataclass(frozen=True)
class PortalSite:
    """What allauth's emails call the current site ("Hello from {{ site_name }}!"): the
    portal's name and address, not the host the request happened to reach."""

    name: str
    domain: str

    @classmethod
    def at(cls, url: str) -> PortalSite:
        """The portal at this address (notifications.site_url), in the active language."""
        return cls(name=portal_name(), domain=urlsplit(url).netloc)
