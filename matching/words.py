"""The engine's structured explanation and gap, in words, in the reader's language.

Nothing here is stored: results keep a bitmask, and the words are made at display time so they
follow the reader's language and the .po files.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _

from matching.engine import Check, Step
from otop_portal.templatetags.thai_dates import format_local_date
from partners.sentences import NameBook, join_and, join_or
from producers.models import ProducerType


def _n(value) -> str:
    return formats.number_format(value, force_grouping=True)


def _baht(value: Decimal | None) -> str:
    return formats.number_format(value, decimal_pos=2, force_grouping=True)


def _cert(names: NameBook, code: str) -> str:
    return names.name("certificate", code)


def describe_check(check: Check, names: NameBook, *, to_producer: bool = True) -> str:
    """One criterion and the facts behind it: "Needs 4 stars; this product has 3".

    The producer is spoken to ("your province"); anyone else (a partner, an officer) reads
    about the producer ("the producer's province")."""
    c, req, act = check.criterion, check.required, check.actual
    if not to_producer and c in ("producer_type", "region", "capacity", "lead_time"):
        return _describe_for_others(check, names)
    if c == "category":
        return _("Takes %(accepted)s; this product is %(actual)s.") % {
            "accepted": join_or(names.names("category", req)),
            "actual": names.name("category", act),
        }
    if c == "subcategory":
        return _("Takes the sub-types %(accepted)s; this product is %(actual)s.") % {
            "accepted": join_or(names.names("subcategory", req)),
            "actual": names.name("subcategory", act) if act else _("not set"),
        }
    if c == "producer_type":
        labels = dict(ProducerType.choices)
        return _("Takes %(accepted)s; you are registered as %(actual)s.") % {
            "accepted": join_or([str(labels.get(t, t)) for t in req]),
            "actual": labels.get(act, _("not set")),
        }
    if c == "region":
        return _("Sells in %(provinces)s; your province is %(actual)s.") % {
            "provinces": join_or(names.names("province", req)),
            "actual": names.name("province", act) if act else _("not set"),
        }
    if c == "stars":
        if act:
            return _("Needs %(required)s OTOP stars; this product has %(actual)s.") % {
                "required": req,
                "actual": act,
            }
        return _("Needs %(required)s OTOP stars; this product has no current star rating.") % {
            "required": req
        }
    if c == "gtin":
        return (
            _("Needs a barcode; this product has one.")
            if act
            else _("Needs a barcode; this product has none.")
        )
    if c == "shelf_life":
        return _("Needs a shelf life of at least %(required)s days; this product: %(actual)s.") % {
            "required": _n(req),
            "actual": _n(act) if act is not None else _("not given"),
        }
    if c == "capacity":
        return _("Needs at least %(required)s units a month; you make %(actual)s.") % {
            "required": _n(req),
            "actual": _n(act) if act is not None else _("not given"),
        }
    if c == "lead_time":
        return _("Needs delivery within %(required)s days; yours: %(actual)s.") % {
            "required": _n(req),
            "actual": _n(act) if act is not None else _("not given"),
        }
    if c == "price":
        return _("Retail price %(band)s; this product: %(actual)s.") % {
            "band": _price_band(*req),
            "actual": _baht(act) if act is not None else _("not given"),
        }
    if c == "certificates":
        mode, types = req
        wanted = [_cert(names, t) for t in types]
        need = join_and(wanted) if mode == "all" else join_or(wanted)
        have = join_and([_cert(names, t) for t in act]) if act else _("none that count")
        return _("Needs %(needed)s; valid and verified: %(have)s.") % {"needed": need, "have": have}
    if c == "preferred":
        return describe_preferred(check, names)
    return c


def _describe_for_others(check: Check, names: NameBook) -> str:
    c, req, act = check.criterion, check.required, check.actual
    if c == "producer_type":
        labels = dict(ProducerType.choices)
        return _("Takes %(accepted)s; the producer is registered as %(actual)s.") % {
            "accepted": join_or([str(labels.get(t, t)) for t in req]),
            "actual": labels.get(act, _("not set")),
        }
    if c == "region":
        return _("Sells in %(provinces)s; the producer's province is %(actual)s.") % {
            "provinces": join_or(names.names("province", req)),
            "actual": names.name("province", act) if act else _("not set"),
        }
    if c == "capacity":
        return _("Needs at least %(required)s units a month; the producer makes %(actual)s.") % {
            "required": _n(req),
            "actual": _n(act) if act is not None else _("not given"),
        }
    return _("Needs delivery within %(required)s days; the producer's: %(actual)s.") % {
        "required": _n(req),
        "actual": _n(act) if act is not None else _("not given"),
    }


def _price_band(low: Decimal | None, high: Decimal | None) -> str:
    if low is not None and high is not None:
        return _("between %(low)s and %(high)s baht") % {"low": _baht(low), "high": _baht(high)}
    if low is not None:
        return _("at least %(low)s baht") % {"low": _baht(low)}
    return _("at most %(high)s baht") % {"high": _baht(high)}


def describe_preferred(check: Check, names: NameBook) -> str:
    kind, extra = check.required, check.extra
    if kind == "certificate":
        what = _("holding %(certificate)s") % {"certificate": _cert(names, extra["type"])}
    elif kind == "stars":
        what = _("%(stars)s OTOP stars") % {"stars": extra["target"] or 5}
    elif kind == "province":
        what = _("made in %(provinces)s") % {
            "provinces": join_or(names.names("province", extra["provinces"]))
        }
    else:
        what = _("a monthly capacity of %(units)s") % {"units": _n(extra["target"] or 0)}
    return _("Preferred: %(what)s: %(earned)s of %(weight)s points.") % {
        "what": what,
        "earned": _n(check.actual),
        "weight": extra["weight"],
    }


def describe_step(step: Step, names: NameBook) -> str:
    """What to do: "Get the Thai FDA food serial number (อย.)"."""
    a, d = step.action, step.detail
    if a == "get_certificate":
        return _("Get %(certificate)s.") % {"certificate": _cert(names, d["type"])}
    if a == "renew_certificate":
        return _("Renew %(certificate)s, which expired on %(date)s.") % {
            "certificate": _cert(names, d["type"]),
            "date": format_local_date(d["expired_on"]),
        }
    if a == "await_verification":
        return _("Wait for an officer to verify your %(certificate)s, or remind them.") % {
            "certificate": _cert(names, d["type"])
        }
    if a == "get_one_of":
        options = [_cert(names, o.detail["type"]) for o in d["options"]]
        return _("Get one of these: %(certificates)s.") % {"certificates": join_or(options)}
    if a == "raise_stars":
        return _("Reach %(stars)s OTOP stars at the next Product Champion round.") % {
            "stars": d["stars"]
        }
    if a == "renew_stars":
        return _(
            "Renew the OTOP star rating at the next Product Champion round: your %(previous)s-star "
            "rating is out of date, and this channel needs at least %(stars)s stars."
        ) % {"previous": d["previous"], "stars": d["stars"]}
    if a == "add_gtin":
        return _("Add the product's barcode (GTIN/EAN-13).")
    if a == "enter_shelf_life":
        return _("Enter the product's shelf life: this channel needs at least %(days)s days.") % {
            "days": _n(d["days"])
        }
    if a == "extend_shelf_life":
        return _("Make the product keep for at least %(days)s days.") % {"days": _n(d["days"])}
    if a == "raise_capacity":
        return _("Produce at least %(units)s units a month.") % {"units": _n(d["units"])}
    if a == "shorten_lead_time":
        return _("Deliver within %(days)s days.") % {"days": _n(d["days"])}
    if a == "change_price":
        return _("Set a retail price %(band)s.") % {"band": _price_band(d["min"], d["max"])}
    return _("This channel does not take this kind of product.")


def ranking_in_words(ranking: dict, names: NameBook | None = None) -> dict:
    """product_channel_ranking() with every check and step turned into a sentence."""
    names = names or NameBook()

    def words(entry: dict) -> dict:
        return {
            **entry,
            "checks_text": [(c.outcome, describe_check(c, names)) for c in entry["checks"]],
            "steps_text": [describe_step(s, names) for s in entry["steps"]],
            "steps_with_opens": list(
                zip(
                    [describe_step(s, names) for s in entry["steps"]],
                    entry.get("step_opens") or [0] * len(entry["steps"]),
                    strict=True,
                )
            ),
        }

    return {
        **ranking,
        "eligible": [words(e) for e in ranking["eligible"]],
        "misses": [words(e) for e in ranking["misses"]],
    }


def next_steps_in_words(steps: list[dict], names: NameBook | None = None) -> list[dict]:
    names = names or NameBook()
    return [{**s, "text": describe_step(s["step"], names)} for s in steps]
