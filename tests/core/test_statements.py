"""Statements compiled once (otop_portal.statements): the same rows as their querysets."""

import pytest
from django.db import connection
from django.db.models import Prefetch
from django.test.utils import CaptureQueriesContext

from otop_portal.models import Notification, NotificationKind, Province, User
from otop_portal.statements import Statement
from tests import factories

pytestmark = pytest.mark.django_db

UNREAD_OF = Statement(
    lambda user_id: (
        Notification.objects.filter(recipient_id=user_id, read_at__isnull=True)
        .select_related("recipient__partner")
        .order_by("pk")
    )
)


def _notify(user, note: str, *, read: bool = False) -> Notification:
    from django.utils import timezone

    return Notification.objects.create(
        recipient=user,
        kind=NotificationKind.EXPORT_READY,
        note=note,
        read_at=timezone.now() if read else None,
    )


def test_each_call_reads_its_own_rows_as_the_queryset_does():
    ann, ben = factories.PartnerMemberFactory(), factories.OfficerFactory()
    _notify(ann, "one"), _notify(ann, "two"), _notify(ann, "read", read=True), _notify(ben, "b")

    for user in (ann, ben, ann):
        expected = list(UNREAD_OF.build(user.pk))
        with CaptureQueriesContext(connection) as ctx:
            got = UNREAD_OF.all(user.pk)
        assert [(n.pk, n.note, n.recipient.email) for n in got] == [
            (n.pk, n.note, n.recipient.email) for n in expected
        ]
        assert len(ctx.captured_queries) == 1  # the recipient and partner joined, as built
        assert got[0].recipient.partner == user.partner
    assert [n.note for n in UNREAD_OF.all(ann.pk)] == ["one", "two"]
    assert UNREAD_OF.first(factories.OfficerFactory().pk) is None


def test_the_queryset_is_built_and_compiled_once_per_connection():
    builds = []

    def build(code):
        builds.append(code)
        return Province.objects.filter(code=code)

    by_code = Statement(build, kinds=(str,))
    factories.ProvinceFactory(code="50"), factories.ProvinceFactory(code="40")
    assert by_code.first("50").name_en == "Chiang Mai"
    assert by_code.first("40").name_en == "Khon Kaen"
    assert by_code.first("99") is None
    assert len(builds) == 1


def test_values_prefetches_and_shapes_are_kept_as_built():
    ann = factories.PartnerMemberFactory()
    for note in "abc":
        _notify(ann, note)
    newest = Statement(
        lambda user_id, *, limit: (
            Notification.objects.filter(recipient_id=user_id).order_by("-pk").values("note")[:limit]
        )
    )
    assert newest.all(ann.pk, limit=2) == [{"note": "c"}, {"note": "b"}]
    assert newest.all(ann.pk, limit=1) == [{"note": "c"}]

    with_unread = Statement(
        lambda pk: User.objects.filter(pk=pk).prefetch_related(
            Prefetch(
                "notifications",
                queryset=Notification.objects.order_by("note"),
                to_attr="notes",
            )
        )
    )
    assert [n.note for n in with_unread.first(ann.pk).notes] == ["a", "b", "c"]
    _notify(ann, "d")
    ben = factories.PartnerMemberFactory()
    _notify(ben, "z")
    assert [n.note for n in with_unread.first(ann.pk).notes] == ["a", "b", "c", "d"]
    assert [n.note for n in with_unread.first(ben.pk).notes] == ["z"]


def test_an_argument_the_sql_does_not_hold_as_given_is_refused():
    factories.ProvinceFactory(code="50")
    searched = Statement(
        lambda word: Province.objects.filter(name_en__icontains=word), kinds=(str,)
    )
    with pytest.raises(TypeError, match="argument 1 does not reach the SQL unchanged"):
        searched.all("Chiang")


def test_a_value_of_another_kind_is_refused():
    user = factories.OfficerFactory()
    with pytest.raises(TypeError, match="is not int"):
        UNREAD_OF.all(user)  # a model, not its id
    with pytest.raises(TypeError, match="is not int"):
        UNREAD_OF.all(str(user.pk))
    with pytest.raises(TypeError, match="1 arguments, 2 given"):
        UNREAD_OF.all(user.pk, user.pk)


def test_a_list_argument_reads_the_rows_of_its_values_compiled_once_per_length():
    lengths = []

    def build(first_code, codes):
        lengths.append(len(codes))
        return Province.objects.filter(code__in=codes).exclude(code=first_code).order_by("code")

    in_codes = Statement(build, kinds=(str, list[str]))
    for code in ("10", "40", "50", "90"):
        factories.ProvinceFactory(code=code)
    assert [p.code for p in in_codes.all("10", ["50", "10", "40"])] == ["40", "50"]
    assert [p.code for p in in_codes.all("40", ["90", "40", "10"])] == ["10", "90"]
    assert [p.code for p in in_codes.all("90", ("90", "50"))] == ["50"]
    assert [p.code for p in in_codes.all("90", ["77", "50"])] == ["50"]
    assert lengths == [3, 2]

    ids = [p.pk for p in Province.objects.filter(code__in=["10", "50"])]
    by_ids = Statement(lambda ids: Province.objects.filter(pk__in=ids), kinds=(list[int],))
    assert sorted(p.code for p in by_ids.all(ids)) == ["10", "50"]
    for wrong, words in (([], "one or more"), (ids[0], "one or more"), ([str(ids[0])], "not int")):
        with pytest.raises(TypeError, match=words):
            by_ids.all(wrong)
    one = Statement(lambda ids: Province.objects.filter(pk__in=ids[:1]), kinds=(list[int],))
    with pytest.raises(TypeError, match="argument 1 does not reach the SQL unchanged"):
        one.all(ids)  # its second value never reaches the SQL


def test_a_connection_keeps_so_many_statements_and_then_compiles_them_again(monkeypatch):
    from otop_portal import statements

    monkeypatch.setattr(statements, "KEPT_PER_CONNECTION", 3)
    builds = []

    def build(code, *, limit):
        builds.append(limit)
        return Province.objects.filter(code=code).order_by("code")[:limit]

    first = Statement(build, kinds=(str,))
    factories.ProvinceFactory(code="50")
    connection.__dict__.pop("_otop_statements", None)
    for limit in (1, 2, 3, 1, 4, 1):
        assert [p.code for p in first.all("50", limit=limit)] == ["50"]
    assert builds == [1, 2, 3, 4, 1]  # the fourth shape dropped the three kept


def test_pages_are_read_a_slice_at_a_time_as_a_paginator_asks(django_assert_num_queries):
    from otop_portal.pagination import KnownCountPaginator

    for code in ("10", "40", "50", "90"):
        factories.ProvinceFactory(code=code)
    codes = Statement(
        lambda *, first, bottom, top: (
            Province.objects.filter(code__gte=first).order_by("code").values_list("code")
        )[bottom:top]
    )
    pages = KnownCountPaginator(
        codes.pages(first="40", read=lambda rows: [code for (code,) in rows]), 2, count=3
    )
    with django_assert_num_queries(1):
        assert list(pages.page(1)) == ["40", "50"]
    assert list(pages.page(2)) == ["90"]
    empty = KnownCountPaginator(codes.pages(first="99"), 2, count=0)
    with django_assert_num_queries(0):
        assert list(empty.page(1)) == []
