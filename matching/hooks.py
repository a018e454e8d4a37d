"""Keeping results fresh when what they were computed from changes.

These receivers live in matching, the consumer, so that producers and partners need not know
that matching exists. Work is done after the transaction commits, once per product per
transaction, and never when the change is rolled back.
"""

from __future__ import annotations

from django.apps import apps
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

from matching.models import Referral
from matching.selectors import PROVINCE_IDS_KEPT
from otop_portal.counts import REFERRALS, counts_changed
from otop_portal.models import User
from partners.models import RequirementVersion
from partners.signals import partner_left
from producers.models import Category, Certification, CertificationType, Producer, Product
from producers.signals import in_bulk_changes, products_changed_in_bulk

BULK_CHUNK = 2000  # products re-scored per call after a bulk change (memory stays flat)


def _schedule(product_ids: set[int]) -> None:
    """Re-score these products once the transaction commits; many saves in one transaction
    re-score each product once. A rolled-back transaction re-scores nothing. Inside a bulk
    change (producers.signals.bulk_changes) nothing is scheduled: the bulk change sends
    products_changed_in_bulk once at its end instead."""
    if not product_ids or in_bulk_changes():
        return
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        _rematch(product_ids)
        return
    pending = getattr(conn, "_matching_pending", None)
    queued = {func for _sids, func, _robust in conn.run_on_commit}
    if pending is not None and pending[0] in queued:
        pending[1].update(product_ids)  # the callback still waits for this commit
        return
    ids = set(product_ids)

    def callback():
        if getattr(conn, "_matching_pending", None) and conn._matching_pending[0] is callback:
            conn._matching_pending = None  # later changes need a callback of their own
        _rematch(ids)

    conn._matching_pending = (callback, ids)
    transaction.on_commit(callback)


def _rematch(ids: set[int]) -> None:
    from matching.services import rematch_products

    rematch_products(ids)


def _product_changed(sender, instance: Product, **kwargs):
    _schedule({instance.pk})


def _producer_changed(sender, instance: Producer, **kwargs):
    if in_bulk_changes():
        return  # not even the query for the product ids
    _schedule(set(instance.products.values_list("pk", flat=True)))


def _producer_saved(sender, instance: Producer, created: bool, update_fields=None, **kwargs):
    """A producer that moved takes its referrals along: they carry its province
    (Referral.province, read by the officers' scope), in the same transaction as the move.
    Bulk changes included: the province is who may see a referral, not a score to redo."""
    if created or (update_fields is not None and "province" not in update_fields):
        return  # no products yet, so no referrals; or the province was not saved
    moved = (
        Referral.objects.filter(product__producer_id=instance.pk)
        .exclude(province_id=instance.province_id)
        .update(province_id=instance.province_id)
    )
    if moved:
        counts_changed(REFERRALS)  # the provinces' referral counts


def _certification_changed(sender, instance: Certification, **kwargs):
    if in_bulk_changes():
        return
    _schedule(
        set(Product.objects.filter(producer_id=instance.producer_id).values_list("pk", flat=True))
    )


def _certification_products_changed(sender, instance, action, pk_set, **kwargs):
    if in_bulk_changes():
        return
    if action.startswith("post_") and isinstance(instance, Certification):
        _schedule(
            set(
                Product.objects.filter(producer_id=instance.producer_id).values_list(
                    "pk", flat=True
                )
            )
        )


def _requirement_changed(sender, instance: RequirementVersion, created: bool, **kwargs):
    if not created:
        return
    from matching.tasks import rematch_channel

    channel_id = instance.channel_id
    transaction.on_commit(lambda: rematch_channel.enqueue(channel_id))


def _category_changed(sender, instance, created: bool, **kwargs):
    """A category marked perishable or not changes which gates apply to its products."""
    if created:
        return
    from matching.tasks import rematch_every_product

    transaction.on_commit(lambda: rematch_every_product.enqueue())


def _certificate_scope_changed(sender, action, **kwargs):
    """The categories a certificate type applies to change which preferred marks count."""
    if not action.startswith("post_"):
        return
    from matching.tasks import rematch_every_product

    transaction.on_commit(lambda: rematch_every_product.enqueue())


RESCORE_MIGRATION = ("matching", "0006_rescore_for_perishables_and_preferred_scope")


def _rescore_after_migrate(sender, plan=None, using="default", **kwargs):
    """After `migrate` applied RESCORE_MIGRATION, re-score every result with today's engine
    (the migration itself only marked them stale: it must not use current models)."""
    applied = {(m.app_label, m.name) for m, backwards in (plan or []) if not backwards}
    if RESCORE_MIGRATION not in applied:
        return
    from matching.models import MatchResult
    from matching.services import rematch_all

    if not MatchResult.objects.using(using).exists():
        return
    summary = rematch_all()
    if kwargs.get("verbosity", 1):
        print(f"  Re-scored the stored match results: {summary}")


def _bulk_changed(sender, product_ids: set[int], **kwargs):
    """A bulk change (the register import) committed: re-score its products once, a chunk at
    a time."""
    from matching.services import rematch_products

    ids = sorted(product_ids)
    for start in range(0, len(ids), BULK_CHUNK):
        rematch_products(ids[start : start + BULK_CHUNK])


def _partner_left(sender, partner, **kwargs):
    from matching.services import referrals_withdraw_for_partner

    referrals_withdraw_for_partner(partner=partner)


def forget_province_ids(sender, instance, action, reverse, **kwargs) -> None:
    """An officer's provinces changed through their own manager: the ids read for them
    (selectors._officer_province_ids) are read again."""
    if action.startswith("post_") and not reverse:
        instance.__dict__.pop(PROVINCE_IDS_KEPT, None)


def connect() -> None:
    m2m_changed.connect(
        forget_province_ids, sender=User.provinces.through, dispatch_uid="matching-provinces"
    )
    products_changed_in_bulk.connect(_bulk_changed, dispatch_uid="matching-bulk")
    partner_left.connect(_partner_left, dispatch_uid="matching-partner-left")
    post_save.connect(_product_changed, sender=Product, dispatch_uid="matching-product")
    post_save.connect(_producer_changed, sender=Producer, dispatch_uid="matching-producer")
    post_save.connect(_producer_saved, sender=Producer, dispatch_uid="matching-producer-province")
    post_save.connect(_certification_changed, sender=Certification, dispatch_uid="matching-cert")
    post_delete.connect(
        _certification_changed, sender=Certification, dispatch_uid="matching-cert-delete"
    )
    m2m_changed.connect(
        _certification_products_changed,
        sender=Certification.products.through,
        dispatch_uid="matching-cert-products",
    )
    post_save.connect(_requirement_changed, sender=RequirementVersion, dispatch_uid="matching-req")
    post_save.connect(_category_changed, sender=Category, dispatch_uid="matching-category")
    m2m_changed.connect(
        _certificate_scope_changed,
        sender=CertificationType.categories.through,
        dispatch_uid="matching-certificate-scope",
    )
    post_migrate.connect(
        _rescore_after_migrate,
        sender=apps.get_app_config("matching"),
        dispatch_uid="matching-rescore-after-migrate",
    )
