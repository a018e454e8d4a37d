"""A small demo cast: one account of every role, and an outsider of each kind."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction

from otop_portal.models import Province, Role, User, partner_model

DEMO_PASSWORD = "otop-demo-2568"  # noqa: S105 - printed by `make run`; refused outside DEBUG


@dataclass(frozen=True)
class DemoAccount:
    email: str
    full_name: str
    role: str
    provinces: tuple[str, ...] = ()
    partner: str | None = None
    partner_admin: bool = False


DEMO_ACCOUNTS = [
    DemoAccount("admin@demo.otop.th", "ผู้ดูแลระบบ ตัวอย่าง", Role.ADMIN),
    DemoAccount("producer@demo.otop.th", "สมหญิง ทอผ้า", Role.PRODUCER),
    DemoAccount("producer2@demo.otop.th", "สมชาย น้ำพริก", Role.PRODUCER),
    DemoAccount("officer@demo.otop.th", "พัฒนากร เชียงใหม่", Role.OFFICER, provinces=("50",)),
    DemoAccount("officer2@demo.otop.th", "พัฒนากร ขอนแก่น", Role.OFFICER, provinces=("40",)),
    DemoAccount(
        "partner@demo.otop.th", "Central buyer", Role.PARTNER, partner="central", partner_admin=True
    ),
    DemoAccount("partner2@demo.otop.th", "Shopee buyer", Role.PARTNER, partner="shopee"),
]


@transaction.atomic
def load_demo_accounts(password: str = DEMO_PASSWORD) -> list[tuple[DemoAccount, bool]]:
    """Create the demo accounts that are missing. Existing ones are left exactly as they are
    (their passwords too), so running it again changes nothing."""
    result = []
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(email=account.email).first()
        created = user is None
        if created:
            user = User(
                email=account.email,
                full_name=account.full_name,
                role=account.role,
                partner=partner_model().objects.get(code=account.partner)
                if account.partner
                else None,
                is_partner_admin=account.partner_admin,
                is_staff=account.role == Role.ADMIN,
                is_superuser=account.role == Role.ADMIN,
            )
            user.set_password(password)
            user.save()
            if account.provinces:
                user.provinces.set(Province.objects.filter(code__in=account.provinces))
        EmailAddress.objects.get_or_create(
            user=user, email=account.email, defaults={"verified": True, "primary": True}
        )
        result.append((account, created))
    return result
