"""Keeping results fresh when what they were computed from changes.

These receivers live in matching, the consumer, so that producers and partners need not know
that matching exists. Work is done after the transaction commits, once per product per
transaction, and never when the change is rolled back.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from partners.models import RequirementVersion
from partners.signals import partner_left
from producers.models import Certification, Producer, Product
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


def connect() -> None:
    products_changed_in_bulk.connect(_bulk_changed, dispatch_uid="matching-bulk")
    partner_left.connect(_partner_left, dispatch_uid="matching-partner-left")
    post_save.connect(_product_changed, sender=Product, dispatch_uid="matching-product")
    post_save.connect(_producer_changed, sender=Producer, dispatch_uid="matching-producer")
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
