"""A requirement snapshot in plain words, in the reader's language.

describe_requirement(snapshot) is what a producer reads before signing up ("Products in Food
need the Thai FDA food serial number (อย.)."); the history page uses the same wording to say what
changed between two versions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from producers.models import ProducerType


def _reference_rows(kind: str) -> dict[str, Any]:
    """Each kind's rows by code, kept by the process while the reference data is unchanged
    (otop_portal.choices.kept_reference): the producer's pages, the referral pages and the
    feed read them on every request, rows that change a few times a year (issue 13)."""
    from otop_portal.choices import kept_reference
    from otop_portal.models import Province
    from producers.models import Category, CertificationType, SubCategory

    model = {
        "category": Category,
        "subcategory": SubCategory,
        "certificate": CertificationType,
        "province": Province,
    }[kind]
    return kept_reference(f"names:{kind}", lambda: {obj.code: obj for obj in model.objects.all()})


@dataclass
class NameBook:
    """Names of categories, sub-types, certificates and provinces by code, read once per page
    for the kinds a page needs, and kept by the process while the reference data is unchanged."""

    _names: dict[str, dict[str, Any]] = field(default_factory=dict)

    def _load(self, kind: str) -> dict[str, Any]:
        if kind not in self._names:
            self._names[kind] = _reference_rows(kind)
        return self._names[kind]

    def name(self, kind: str, code: str) -> str:
        obj = self._load(kind).get(code)
        return obj.name if obj is not None else code

    def perishable_categories(self, codes: list[str]) -> list[str]:
        """Names of the perishable categories among `codes` (all categories when empty): the
        ones a shelf-life minimum applies to."""
        found = self._load("category")
        chosen = codes or list(found)
        return self.names("category", [c for c in chosen if getattr(found.get(c), "perishable", 0)])

    def names(self, kind: str, codes: list[str]) -> list[str]:
        """Names in the order people know them (the categories' own order), not by code."""
        found = self._load(kind)
        known = sorted(
            (found[c] for c in codes if c in found),
            key=lambda o: (getattr(o, "sort_order", 0), o.name),
        )
        return [o.name for o in known] + [c for c in codes if c not in found]


def _number(value: int) -> str:
    return formats.number_format(value, force_grouping=True)


def join_and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return _("%(first)s and %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


def join_or(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return _("%(first)s or %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


def describe_area(snapshot: dict, names: NameBook) -> str:
    if snapshot.get("nationwide"):
        return _("Sells nationwide.")
    provinces = snapshot.get("provinces") or []
    if not provinces:
        return _("No provinces chosen yet.")
    return _("Sells in %(provinces)s.") % {
        "provinces": join_and(names.names("province", provinces))
    }


def describe_certificate_rule(rule: dict, names: NameBook) -> str:
    certificates = names.names("certificate", rule["types"])
    categories = rule.get("categories") or []
    joined = join_and(certificates) if rule["mode"] == "all" else join_or(certificates)
    if rule["mode"] == "all":
        if categories:
            return _("Products in %(categories)s need %(certificates)s.") % {
                "categories": join_or(names.names("category", categories)),
                "certificates": joined,
            }
        return _("Every product needs %(certificates)s.") % {"certificates": joined}
    if categories:
        return _("Products in %(categories)s need at least one of: %(certificates)s.") % {
            "categories": join_or(names.names("category", categories)),
            "certificates": joined,
        }
    return _("Every product needs at least one of: %(certificates)s.") % {"certificates": joined}


def describe_preferred(item: dict, names: NameBook) -> str:
    weight = item["weight"]
    kind = item["kind"]
    if kind == "certificate":
        what = _("holding %(certificate)s") % {
            "certificate": names.name("certificate", item.get("type") or "")
        }
    elif kind == "stars":
        what = ngettext(
            "%(stars)s OTOP star or more", "%(stars)s OTOP stars or more", item["target"] or 0
        ) % {"stars": item["target"]}
    elif kind == "province":
        what = _("producers in or near %(provinces)s") % {
            "provinces": join_and(names.names("province", item.get("provinces") or []))
        }
    else:
        what = _("a monthly capacity of %(units)s units or more") % {
            "units": _number(item["target"] or 0)
        }
    return _("Preferred (weight %(weight)s): %(what)s.") % {"weight": weight, "what": what}


def describe_requirement(snapshot: dict, names: NameBook | None = None) -> list[str]:
    """Sentences a producer can read, in the active language. Pass one NameBook for a page that
    describes many requirements, so names are fetched once."""
    names = names or NameBook()
    s = snapshot
    out: list[str] = [describe_area(s, names)]

    if s.get("categories"):
        out.append(
            _("Accepts %(categories)s.")
            % {"categories": join_and(names.names("category", s["categories"]))}
        )
    else:
        out.append(_("Accepts products of every OTOP category."))
    if s.get("subcategories"):
        out.append(
            _("Only these sub-types: %(subcategories)s.")
            % {"subcategories": join_and(names.names("subcategory", s["subcategories"]))}
        )
    if s.get("producer_types"):
        labels = dict(ProducerType.choices)
        out.append(
            _("Open to: %(types)s.")
            % {"types": join_and([str(labels.get(t, t)) for t in s["producer_types"]])}
        )
    if s.get("min_stars"):
        out.append(
            ngettext(
                "Products need at least %(stars)s OTOP star.",
                "Products need at least %(stars)s OTOP stars.",
                s["min_stars"],
            )
            % {"stars": s["min_stars"]}
        )
    for rule in s.get("certificate_rules") or []:
        out.append(describe_certificate_rule(rule, names))
    if s.get("gtin_required"):
        out.append(_("Every product needs a barcode (GTIN, for example EAN-13)."))
    if s.get("min_shelf_life_days"):
        accepted = s.get("categories") or []
        perishable = names.perishable_categories(accepted)
        days = _number(s["min_shelf_life_days"])
        # Said with its scope only when the channel also takes products that do not perish.
        if perishable and not (accepted and len(perishable) == len(accepted)):
            out.append(
                _(
                    "Products that keep for a limited time (%(categories)s) need a shelf life of "
                    "at least %(days)s days; other products have no shelf-life minimum."
                )
                % {"categories": join_and(perishable), "days": days}
            )
        else:
            out.append(_("Shelf life of at least %(days)s days.") % {"days": days})
    if s.get("min_monthly_capacity"):
        out.append(
            _("The producer can supply at least %(units)s units a month.")
            % {"units": _number(s["min_monthly_capacity"])}
        )
    if s.get("max_lead_time_days"):
        out.append(
            _("Orders are delivered within %(days)s days.")
            % {"days": _number(s["max_lead_time_days"])}
        )
    low, high = s.get("price_min"), s.get("price_max")
    if low and high:
        out.append(
            _("Retail price between %(low)s and %(high)s baht.")
            % {"low": _money(low), "high": _money(high)}
        )
    elif low:
        out.append(_("Retail price of at least %(low)s baht.") % {"low": _money(low)})
    elif high:
        out.append(_("Retail price of at most %(high)s baht.") % {"high": _money(high)})
    for item in s.get("preferred") or []:
        out.append(describe_preferred(item, names))
    return out


def _money(value: str) -> str:
    from decimal import Decimal

    amount = Decimal(value)
    if amount == amount.to_integral_value():
        return formats.number_format(int(amount), force_grouping=True)
    return formats.number_format(amount, decimal_pos=2, force_grouping=True)


# --- What changed between two versions ---------------------------------------------------------

FIELD_LABELS = {
    "kind": lambda: _("Kind of channel"),
    "nationwide": lambda: _("Area"),
    "provinces": lambda: _("Area"),
    "categories": lambda: _("Accepted categories"),
    "subcategories": lambda: _("Accepted sub-types"),
    "producer_types": lambda: _("Accepted producer types"),
    "min_stars": lambda: _("Minimum OTOP stars"),
    "gtin_required": lambda: _("Barcode (GTIN)"),
    "min_shelf_life_days": lambda: _("Minimum shelf life (days)"),
    "min_monthly_capacity": lambda: _("Minimum monthly capacity"),
    "max_lead_time_days": lambda: _("Maximum lead time (days)"),
    "price_min": lambda: _("Lowest retail price (baht)"),
    "price_max": lambda: _("Highest retail price (baht)"),
    "certificate_rules": lambda: _("Required certificates"),
    "preferred": lambda: _("Preferred criteria"),
}


def _show(key: str, snapshot: dict, names: NameBook) -> str:
    value = snapshot.get(key)
    none = _("none")
    if key in ("nationwide", "provinces"):
        return describe_area(snapshot, names)
    if key == "kind":
        from partners.models import ChannelKind

        return str(dict(ChannelKind.choices).get(value, value))
    if key == "categories":
        return join_and(names.names("category", value)) if value else _("every category")
    if key == "subcategories":
        return join_and(names.names("subcategory", value)) if value else _("every sub-type")
    if key == "producer_types":
        labels = dict(ProducerType.choices)
        return join_and([str(labels.get(t, t)) for t in value]) if value else _("every producer")
    if key == "gtin_required":
        return _("required") if value else _("not required")
    if key == "certificate_rules":
        return " ".join(describe_certificate_rule(r, names) for r in value) or none
    if key == "preferred":
        return " ".join(describe_preferred(p, names) for p in value) or none
    return none if value is None else str(value)


def describe_changes(
    before: dict | None, after: dict, names: NameBook | None = None
) -> list[tuple[str, str, str]]:
    """(what, before, after) for each thing that differs between two snapshots, in plain words.
    The first version has nothing before it: an empty list."""
    if before is None:
        return []
    names = names or NameBook()
    changes: list[tuple[str, str, str]] = []
    seen_labels: set[str] = set()
    for key, label in FIELD_LABELS.items():
        if before.get(key) == after.get(key):
            continue
        text = str(label())
        if text in seen_labels:  # nationwide and provinces read as one line: the area
            continue
        seen_labels.add(text)
        changes.append((text, _show(key, before, names), _show(key, after, names)))
    return changes
