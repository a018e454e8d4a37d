"""Writes for partners, channels and channel requirements.

Every change to what a channel requires goes through requirement_save (or channel_create for a
new channel): the row is locked, the whole result is validated, `version` goes up by one and a
RequirementVersion keeps the snapshot, who made the change and when. Forms and the API both call
these functions, so they report the same problems in the same words.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from otop_portal.models import Province, Role, User
from partners.models import (
    ApiToken,
    CertificateRule,
    Channel,
    ChannelRequirement,
    Partner,
    PartnerStatus,
    PreferredCriterion,
    PreferredKind,
    RequirementVersion,
    RuleMode,
)
from partners.selectors import requirement_for_snapshot, requirement_snapshot
from partners.sentences import NameBook, join_and
from partners.signals import partner_left
from producers.models import Category, CertificationType, ProducerType, SubCategory

# What a form or the API fills in, declared once: the forms, the serializers and these services
# read these lists, so a new field is one edit here. Many-to-many fields (the provinces, the
# categories and sub-types) are set once the row is saved.
CHANNEL_FIELDS = (
    "kind",
    "name_th",
    "name_en",
    "description_th",
    "description_en",
    "nationwide",
    "provinces",
    "is_active",
)
REQUIREMENT_FIELDS = (
    "categories",
    "subcategories",
    "producer_types",
    "min_star_level",
    "gtin_required",
    "min_shelf_life_days",
    "min_monthly_capacity",
    "max_lead_time_days",
    "price_min",
    "price_max",
    "notes_th",
    "notes_en",
)
MANY_TO_MANY = ("provinces", "categories", "subcategories")
CHANNEL_VALUES = tuple(f for f in CHANNEL_FIELDS if f not in MANY_TO_MANY)
REQUIREMENT_VALUES = tuple(f for f in REQUIREMENT_FIELDS if f not in MANY_TO_MANY)
PARTNER_FIELDS = (
    "name_th",
    "name_en",
    "business_th",
    "business_en",
    "description_th",
    "description_en",
    "website",
    "logo",
    "mou_date",
    "contact_name",
    "contact_email",
    "contact_phone",
)

# certificate rule: {"mode", "certification_types", "categories", "conditional"}
# preferred: {"kind", "weight", "certification_type", "target_star_level", "provinces",
#             "target_capacity"}
Rule = dict[str, Any]
Preferred = dict[str, Any]


class _Errors:
    """Collects messages keyed like the form fields: "price_max", "certificate_rules.0.types"."""

    def __init__(self) -> None:
        self.by_key: dict[str, list[str]] = {}

    def add(self, key: str, message: str) -> None:
        self.by_key.setdefault(key, []).append(message)

    def merge(self, exc: ValidationError, prefix: str = "") -> None:
        for key, messages in exc.message_dict.items():
            for message in messages:
                self.add(f"{prefix}{key}" if key != NON_FIELD_ERRORS else prefix + key, message)

    def raise_if_any(self) -> None:
        if self.by_key:
            raise ValidationError(self.by_key)


def _check_rules(
    errors: _Errors, rules: list[Rule], accepted: set[Category], names: NameBook
) -> None:
    for i, rule in enumerate(rules):
        key = f"certificate_rules.{i}."
        types = list(rule.get("certification_types") or [])
        categories = list(rule.get("categories") or [])
        if rule.get("mode") not in RuleMode.values:
            errors.add(key + "mode", _("Choose “all of these” or “at least one of these”."))
        if not types:
            errors.add(key + "certification_types", _("Choose at least one certificate."))
        elif rule.get("mode") == RuleMode.ANY and len(set(types)) < 2:
            errors.add(
                key + "certification_types",
                _(
                    "An “at least one of these” group needs two or more certificates to choose "
                    "from. With one certificate, choose “all of these”."
                ),
            )
        if rule.get("conditional") and not categories:
            errors.add(
                key + "categories",
                _(
                    "Name the categories this rule applies to, or untick “only for some "
                    "categories”."
                ),
            )
        refused = [c for c in categories if accepted and c not in accepted]
        if refused:
            errors.add(
                key + "categories",
                _("The channel does not accept %(categories)s, so this rule would never apply.")
                % {"categories": join_and([c.name for c in refused])},
            )


def _check_preferred(
    errors: _Errors,
    preferred: list[Preferred],
    requirement: ChannelRequirement,
    required_everywhere: set[CertificationType],
) -> None:
    for i, item in enumerate(preferred):
        key = f"preferred.{i}."
        kind = item.get("kind")
        weight = item.get("weight")
        if kind not in PreferredKind.values:
            errors.add(key + "kind", _("Choose what is preferred."))
        if weight is None or not 1 <= weight <= 100:
            errors.add(key + "weight", _("The weight is a number from 1 to 100."))
        if kind == PreferredKind.CERTIFICATE:
            ctype = item.get("certification_type")
            if ctype is None:
                errors.add(key + "certification_type", _("Choose the preferred certificate."))
            elif ctype in required_everywhere:
                errors.add(
                    key + "certification_type",
                    _("Every product already needs this certificate: preferring it adds nothing."),
                )
        elif kind == PreferredKind.STARS:
            target = item.get("target_star_level")
            if target is None:
                errors.add(key + "target_star_level", _("Choose the preferred star level."))
            elif requirement.min_star_level and target <= requirement.min_star_level:
                errors.add(
                    key + "target_star_level",
                    _("The preferred star level must be above the minimum of %(stars)s.")
                    % {"stars": requirement.min_star_level},
                )
        elif kind == PreferredKind.PROVINCE:
            if not list(item.get("provinces") or []):
                errors.add(key + "provinces", _("Choose at least one province."))
        elif kind == PreferredKind.CAPACITY:
            target = item.get("target_capacity")
            if target is None:
                errors.add(key + "target_capacity", _("Enter the preferred monthly capacity."))
            elif requirement.min_monthly_capacity and target <= requirement.min_monthly_capacity:
                errors.add(
                    key + "target_capacity",
                    _("The preferred capacity must be above the minimum of %(units)s.")
                    % {"units": requirement.min_monthly_capacity},
                )


def _validate(
    *,
    channel: Channel,
    requirement: ChannelRequirement,
    provinces: list[Province],
    categories: list[Category],
    subcategories: list[SubCategory],
    rules: list[Rule],
    preferred: list[Preferred],
) -> None:
    """full_clean on the rows plus the contradictions no single field can see."""
    errors = _Errors()
    names = NameBook()
    try:
        channel.full_clean(exclude=["partner"])
    except ValidationError as exc:
        errors.merge(exc)
    try:
        requirement.full_clean(exclude=["channel"])
    except ValidationError as exc:
        errors.merge(exc)

    if not channel.nationwide and not provinces:
        errors.add(
            "provinces",
            _("Choose the provinces the channel serves, or tick “sells nationwide”."),
        )
    unknown = [t for t in requirement.producer_types or [] if t not in ProducerType.values]
    if unknown:
        errors.add(
            "producer_types", _("Unknown producer type: %(value)s.") % {"value": ", ".join(unknown)}
        )
    low, high = requirement.price_min, requirement.price_max
    if low is not None and high is not None and low > high:
        errors.add("price_max", _("The highest price is below the lowest price."))
    accepted = set(categories)
    outside = [
        s for s in subcategories if accepted and s.category_id not in {c.pk for c in accepted}
    ]
    if outside:
        errors.add(
            "subcategories",
            _("These sub-types are not in an accepted category: %(names)s.")
            % {"names": join_and([s.name for s in outside])},
        )
    _check_rules(errors, rules, accepted, names)
    required_everywhere = {
        t
        for rule in rules
        if rule.get("mode") == RuleMode.ALL and not list(rule.get("categories") or [])
        for t in rule.get("certification_types") or []
    }
    _check_preferred(errors, preferred, requirement, required_everywhere)
    errors.raise_if_any()


def current_rules(requirement: ChannelRequirement) -> list[Rule]:
    """The certificate rules as the service takes them (and the edit form shows them)."""
    return [
        {
            "mode": rule.mode,
            "certification_types": list(rule.certification_types.all()),
            "categories": list(rule.categories.all()),
            "conditional": bool(rule.categories.all()),
        }
        for rule in requirement.certificate_rules.all()
    ]


def current_preferred(requirement: ChannelRequirement) -> list[Preferred]:
    """The preferred criteria as the service takes them (and the edit form shows them)."""
    return [
        {
            "kind": p.kind,
            "weight": p.weight,
            "certification_type": p.certification_type,
            "target_star_level": p.target_star_level,
            "provinces": list(p.provinces.all()),
            "target_capacity": p.target_capacity,
        }
        for p in requirement.preferred.all()
    ]


def _replace_rules(requirement: ChannelRequirement, rules: list[Rule]) -> None:
    requirement.certificate_rules.all().delete()
    for rule in rules:
        row = CertificateRule.objects.create(requirement=requirement, mode=rule["mode"])
        row.certification_types.set(rule["certification_types"])
        row.categories.set(rule.get("categories") or [])


def _replace_preferred(requirement: ChannelRequirement, preferred: list[Preferred]) -> None:
    requirement.preferred.all().delete()
    for item in preferred:
        kind = item["kind"]
        row = PreferredCriterion.objects.create(
            requirement=requirement,
            kind=kind,
            weight=item["weight"],
            # Only the target that belongs to the kind is kept.
            certification_type=item.get("certification_type")
            if kind == PreferredKind.CERTIFICATE
            else None,
            target_star_level=item.get("target_star_level")
            if kind == PreferredKind.STARS
            else None,
            target_capacity=item.get("target_capacity") if kind == PreferredKind.CAPACITY else None,
        )
        if kind == PreferredKind.PROVINCE:
            row.provinces.set(item.get("provinces") or [])


def _validate_and_save(
    *,
    channel: Channel,
    requirement: ChannelRequirement,
    provinces: list[Province],
    categories: list[Category],
    subcategories: list[SubCategory],
    rules: list[Rule],
    preferred: list[Preferred],
    by: User | None,
) -> None:
    """Checks the whole result (_validate), then saves the channel and its requirement with
    their many-to-many fields. The rules and preferred criteria are the caller's to replace."""
    _validate(
        channel=channel,
        requirement=requirement,
        provinces=provinces,
        categories=categories,
        subcategories=subcategories,
        rules=rules,
        preferred=preferred,
    )
    channel._history_user = by
    channel.save()
    channel.provinces.set(provinces)
    requirement.channel = channel
    requirement.save()
    requirement.categories.set(categories)
    requirement.subcategories.set(subcategories)


def _record_version(
    requirement: ChannelRequirement, *, by: User | None, note: str
) -> RequirementVersion:
    fresh = requirement_for_snapshot(requirement.channel)
    return RequirementVersion.objects.create(
        channel=requirement.channel,
        number=fresh.version,
        snapshot=requirement_snapshot(fresh),
        changed_by=by,
        note=note[:300],
        notes_th=fresh.notes_th,
        notes_en=fresh.notes_en,
    )


def _without_version(snapshot: dict) -> dict:
    return {k: v for k, v in snapshot.items() if k != "version"}


@transaction.atomic
def requirement_save(
    *,
    channel: Channel,
    by: User | None,
    note: str = "",
    channel_data: dict[str, Any] | None = None,
    requirement_data: dict[str, Any] | None = None,
    certificate_rules: list[Rule] | None = None,
    preferred: list[Preferred] | None = None,
) -> RequirementVersion | None:
    """Change a channel's requirement (and the channel facts the snapshot holds: kind, area).

    Whatever is None is left as it is; what is given replaces what was there (lists of rules
    and preferred criteria are replaced whole). The requirement row is locked for the whole
    change. Returns the new RequirementVersion, or None when nothing changed. Raises
    ValidationError keyed by field ("price_max", "certificate_rules.0.certification_types").
    """
    locked = ChannelRequirement.objects.select_for_update().get(channel=channel)
    requirement = requirement_for_snapshot(channel)
    requirement.version = locked.version
    channel = requirement.channel
    before = requirement_snapshot(requirement)
    notes_before = (requirement.notes_th, requirement.notes_en)

    channel_data = dict(channel_data or {})
    requirement_data = dict(requirement_data or {})
    provinces = list(channel_data.pop("provinces", channel.provinces.all()))
    categories = list(requirement_data.pop("categories", requirement.categories.all()))
    subcategories = list(requirement_data.pop("subcategories", requirement.subcategories.all()))
    for name, value in channel_data.items():
        if name in CHANNEL_VALUES:
            setattr(channel, name, value)
    for name, value in requirement_data.items():
        if name in REQUIREMENT_VALUES:
            setattr(requirement, name, value)
    if "producer_types" in requirement_data:
        requirement.producer_types = sorted(set(requirement.producer_types or []))
    rules = current_rules(requirement) if certificate_rules is None else certificate_rules
    wanted = current_preferred(requirement) if preferred is None else preferred

    _validate_and_save(
        channel=channel,
        requirement=requirement,
        provinces=provinces,
        categories=categories,
        subcategories=subcategories,
        rules=rules,
        preferred=wanted,
        by=by,
    )
    if certificate_rules is not None:
        _replace_rules(requirement, certificate_rules)
    if preferred is not None:
        _replace_preferred(requirement, preferred)

    after = requirement_snapshot(requirement_for_snapshot(channel))
    if _without_version(after) == _without_version(before) and notes_before == (
        requirement.notes_th,
        requirement.notes_en,
    ):
        return None
    ChannelRequirement.objects.filter(pk=requirement.pk).update(version=locked.version + 1)
    requirement.version = locked.version + 1
    return _record_version(requirement, by=by, note=note)


@transaction.atomic
def channel_create(
    *,
    partner: Partner,
    code: str,
    channel_data: dict[str, Any],
    by: User | None,
    note: str = "",
    requirement_data: dict[str, Any] | None = None,
    certificate_rules: list[Rule] | None = None,
    preferred: list[Preferred] | None = None,
) -> Channel:
    """A new channel with its requirement at version 1 (empty unless given)."""
    channel_data = dict(channel_data)
    requirement_data = dict(requirement_data or {})
    provinces = list(channel_data.pop("provinces", []))
    categories = list(requirement_data.pop("categories", []))
    subcategories = list(requirement_data.pop("subcategories", []))
    channel = Channel(
        partner=partner,
        code=code,
        **{k: v for k, v in channel_data.items() if k in CHANNEL_VALUES},
    )
    requirement = ChannelRequirement(
        channel=channel,
        version=1,
        **{k: v for k, v in requirement_data.items() if k in REQUIREMENT_VALUES},
    )
    requirement.producer_types = sorted(set(requirement.producer_types or []))
    rules = list(certificate_rules or [])
    wanted = list(preferred or [])
    _validate_and_save(
        channel=channel,
        requirement=requirement,
        provinces=provinces,
        categories=categories,
        subcategories=subcategories,
        rules=rules,
        preferred=wanted,
        by=by,
    )
    _replace_rules(requirement, rules)
    _replace_preferred(requirement, wanted)
    _record_version(requirement, by=by, note=note or _("Channel created"))
    return channel


@transaction.atomic
def partner_update(*, partner: Partner, data: dict[str, Any], by: User) -> Partner:
    """Change a partner's profile (not its status: see partner_set_status)."""
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    for name, value in data.items():
        if name in PARTNER_FIELDS:
            # save_form_data: a cleared logo (False) becomes "", an unchanged one (None) stays.
            Partner._meta.get_field(name).save_form_data(partner, value)
    partner.full_clean()
    partner._history_user = by
    partner.save()
    return partner


@transaction.atomic
def partner_set_status(*, partner: Partner, status: str, by: User) -> Partner:
    """Pause a partner, bring it back, or record that it left the MOU.

    A partner that leaves keeps everything it had (profile, channels, requirement history,
    members' accounts); its channels stop being offered and its open referrals are withdrawn.
    Leaving is final here: only an administrator's data fix brings a partner back.
    """
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if status not in PartnerStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if partner.status == status:
        return partner
    if partner.status == PartnerStatus.LEFT:
        raise ValidationError({"status": _("This partner has left the MOU.")})
    partner.status = status
    partner._history_user = by
    partner.save()
    if status == PartnerStatus.LEFT:
        for channel in partner.channels.filter(is_active=True):
            channel.is_active = False
            channel._history_user = by
            channel.save()
        # matching withdraws the open referrals, in this transaction (matching.hooks).
        partner_left.send(sender=Partner, partner=partner)
    return partner


def codes_to_objects(model, codes: Iterable[str]) -> list:
    """Rows for the given codes, in order; raises ValidationError naming unknown codes."""
    codes = list(codes)
    found = {obj.code: obj for obj in model.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationError(_("Unknown code: %(codes)s.") % {"codes": ", ".join(missing)})
    return [found[c] for c in codes]


# --- API keys and members (partner settings) --------------------------------------------------


def _is_partner_admin_of(user: User, partner_id: int) -> bool:
    return bool(
        user is not None
        and user.is_active
        and user.role == Role.PARTNER
        and user.is_partner_admin
        and user.partner_id == partner_id
    )


@transaction.atomic
def api_token_create(*, partner: Partner, name: str, by: User) -> tuple[ApiToken, str]:
    """A new API key for the partner's own systems, made by one of its administrators.

    Returns (token, key): the key itself exists only in this return value (only its SHA-256 is
    stored), so the caller shows it once. The name is required and unique among the partner's
    keys that still work (a revoked key's name may be used again). The partner row is locked so
    two administrators naming two keys alike at once cannot both succeed."""
    from partners.tokens import new_key

    if not _is_partner_admin_of(by, partner.pk):
        raise ValidationError(
            _("Only an administrator of this partner can make its API keys."), code="not_allowed"
        )
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if partner.status == PartnerStatus.LEFT:
        raise ValidationError(
            _("This partner has left the MOU: it cannot make API keys."), code="not_allowed"
        )
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(
            {"name": _("Give the key a name, so you know later which system uses it.")}
        )
    if partner.api_tokens.filter(revoked_at__isnull=True, name__iexact=name).exists():
        raise ValidationError(
            {
                "name": _(
                    "This partner already has a key named “%(name)s” that is not revoked: choose "
                    "another name, or revoke that key first."
                )
                % {"name": name}
            }
        )
    key, prefix, key_hash = new_key()
    token = ApiToken(partner=partner, name=name, prefix=prefix, key_hash=key_hash, created_by=by)
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: User) -> bool:
    """Revoke an API key: by an administrator of its partner, or a portal administrator. It
    stops working at once and stays in the list with who revoked it and when. Returns False,
    changing nothing, when the key was already revoked (revoking twice is harmless)."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if not (
        _is_partner_admin_of(by, token.partner_id)
        or (by is not None and by.is_active and by.role == Role.ADMIN)
    ):
        raise ValidationError(
            _("Only an administrator of this partner can revoke its API keys."),
            code="not_allowed",
        )
    if token.revoked_at is not None:
        return False
    token.revoked_at = timezone.now()
    token.revoked_by = by
    token.full_clean()
    token.save(update_fields=["revoked_at", "revoked_by"])
    return True


def _lock_members(member: User, by: User) -> tuple[User, list[User]]:
    """Check that `by` administers `member`'s partner, then lock that partner's members (in
    a fixed order: no deadlocks) and return the fresh `member` and the locked rows."""
    if member.role != Role.PARTNER or not _is_partner_admin_of(by, member.partner_id):
        raise ValidationError(
            _("Only an administrator of this partner can change its members."),
            code="not_allowed",
        )
    rows = list(
        User.objects.select_for_update()
        .filter(role=Role.PARTNER, partner_id=member.partner_id)
        .order_by("pk")
    )
    fresh = next((row for row in rows if row.pk == member.pk), None)
    locked_by = next((row for row in rows if row.pk == by.pk), None)
    if fresh is None or locked_by is None or not _is_partner_admin_of(locked_by, fresh.partner_id):
        # Someone changed the rows between the check and the lock.
        raise ValidationError(
            _("Only an administrator of this partner can change its members."),
            code="not_allowed",
        )
    return fresh, rows


def _other_active_admins(rows: list[User], member: User) -> int:
    return sum(1 for row in rows if row.pk != member.pk and row.is_active and row.is_partner_admin)


def _last_admin_error() -> ValidationError:
    return ValidationError(
        _(
            "A partner needs at least one active administrator: make another member an "
            "administrator first."
        ),
        code="last_admin",
    )


@transaction.atomic
def partner_member_set_admin(*, member: User, is_admin: bool, by: User) -> User:
    """Make a member an administrator of their partner, or a plain member again: by an
    administrator of the same partner. The partner always keeps one active administrator."""
    member, rows = _lock_members(member, by)
    if member.is_partner_admin == is_admin:
        return member
    if is_admin and not member.is_active:
        raise ValidationError(
            _("%(member)s's account is deactivated: it cannot become an administrator.")
            % {"member": member}
        )
    if not is_admin and not _other_active_admins(rows, member):
        raise _last_admin_error()
    member.is_partner_admin = is_admin
    member.full_clean()
    member.save(update_fields=["is_partner_admin"])
    return member


@transaction.atomic
def partner_member_deactivate(*, member: User, by: User) -> User:
    """Deactivate a member's account: by an administrator of the same partner (not their own
    account). They can no longer log in, and the API keys they made stop working (see
    partners.tokens). The partner always keeps one active administrator. Deactivating twice
    changes nothing."""
    member, rows = _lock_members(member, by)
    if member.pk == by.pk:
        raise ValidationError(
            _("You cannot deactivate your own account: ask another administrator of your partner.")
        )
    if not member.is_active:
        return member
    if member.is_partner_admin and not _other_active_admins(rows, member):
        raise _last_admin_error()
    member.is_active = False
    member.full_clean()
    member.save(update_fields=["is_active"])
    return member
