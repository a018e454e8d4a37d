"""The long tables' rows rendered by Jinja2 (otop_portal/jinja2.py, issue 13): what a reader
sees in them (Thai, escaping, labels) is what the Django templates showed, and every string
they say is where makemessages finds it, so the Thai catalogue keeps it."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation.template import templatize

from matching.models import Referral, ReferralState
from otop_portal.jinja2 import choice_label, days, row_url, stars
from tests import factories
from tests.partners.matrix_rows_portal import sent_referrals

JINJA_DIR = Path(settings.BASE_DIR) / "templates" / "jinja2"
SAID = re.compile(r"""_\(("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")


def _jinja_strings() -> list[tuple[str, str]]:
    found = []
    for path in sorted(JINJA_DIR.rglob("*.html")):
        found += [(path.name, text[1:-1]) for text in SAID.findall(path.read_text())]
    return found


def test_the_row_templates_say_their_strings_where_makemessages_finds_them():
    strings = _jinja_strings()
    assert {"Select %(name)s", "%(price)s baht", "Product"} <= {text for _name, text in strings}
    for path in sorted(JINJA_DIR.rglob("*.html")):
        extracted = templatize(path.read_text(), origin=str(path))
        for name, text in strings:
            if name == path.name:
                assert f'_("{text}")' in extracted or f"_('{text}')" in extracted, (name, text)


THAI = {
    e.msgid: e for e in polib.pofile(str(settings.BASE_DIR / "locale/th/LC_MESSAGES/django.po"))
}


@pytest.mark.parametrize(("name", "text"), _jinja_strings())
def test_every_string_of_the_row_templates_is_translated_into_thai(name, text):
    # In the shipped catalogue, translated: a name such as "LINE ID" reads the same in Thai.
    entry = THAI.get(text)
    assert entry is not None and entry.translated() and not entry.obsolete, (
        f"{name}: {text!r} has no Thai translation"
    )
    with translation.override("th"):
        assert translation.gettext(text) == entry.msgstr


def test_counts_are_said_in_thai_and_english_with_their_plural():
    """days() and stars(): the plural forms a Jinja2 template cannot say where makemessages
    finds them, said in Python (otop_portal/jinja2.py)."""
    with translation.override("en"):
        assert (days(1), days(365), stars(1), stars(4)) == (
            "1 day",
            "365 days",
            "1 star",
            "4 stars",
        )
    with translation.override("th"):
        assert (days(1), days(365), stars(4)) == ("1 วัน", "365 วัน", "4 ดาว")


ROW_URLS = re.compile(r"""row_url\("([^"]+)"\)""")


@pytest.mark.parametrize(
    "name",
    sorted({n for p in JINJA_DIR.rglob("*.html") for n in ROW_URLS.findall(p.read_text())}),
)
def test_a_rows_link_reversed_once_is_the_one_reverse_gives(name):
    """row_url reverses a table's link once and puts each row's id in: the same address as
    reverse() for any id, under a site mounted below a prefix too."""
    from django.urls import get_script_prefix, set_script_prefix

    prefix = get_script_prefix()
    try:
        for mounted in ("/", "/otop/"):
            set_script_prefix(mounted)
            link = row_url(name)
            for pk in (1, 7, 90210, 2_147_483_647):
                assert link(pk) == reverse(name, args=[pk])
            assert link(42).startswith(mounted)
    finally:
        set_script_prefix(prefix)


def test_a_rows_link_with_named_arguments_is_the_one_reverse_gives():
    link = row_url("producers:product_photo", size="thumbnail")
    for pk in (1, 7, 90210, 2_147_483_647):
        assert link(pk) == reverse(
            "producers:product_photo", kwargs={"pk": pk, "size": "thumbnail"}
        )


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["th", "en"])
def test_a_state_reads_as_the_models_own_label(language):
    referral = Referral()
    with translation.override(language):
        for state in ReferralState.values:
            referral.state = state
            assert choice_label(referral, "state") == referral.get_state_display()


@pytest.mark.django_db
def test_a_shortlist_row_shows_a_name_as_typed_escaped_with_price_and_state_in_thai(
    client, partner, officer, partner_org
):
    channel = factories.ChannelFactory(partner=partner_org)
    (referral,) = sent_referrals(1, channel=channel, officer=officer)
    product = referral.product
    product.name_th = 'ผ้าไหม <b>"มัดหมี่"</b> & ฝ้าย'
    product.price, product.price_unit = Decimal("1200.5"), "ผืน"
    product.save()
    client.force_login(partner)
    client.cookies["django_language"] = "th"
    html = client.get(reverse("partners:home")).content.decode()
    escaped = "ผ้าไหม &lt;b&gt;&#34;มัดหมี่&#34;&lt;/b&gt; &amp; ฝ้าย"
    assert f'aria-label="เลือก {escaped}"' in html
    assert f'data-testid="referral-link">{escaped}</a>' in html
    assert "<b>" not in html.split('data-testid="shortlist"')[1].split("</table>")[0]
    assert "1,200.50 บาท / ผืน" in html
    assert 'data-testid="state"><span class="state state-sent">ส่งถึงพันธมิตรแล้ว</span>' in html


# --- Rows kept rendered (otop_portal.jinja2.kept_row, issue 13) ----------------------------------

ROW_TEMPLATES = sorted(
    path.relative_to(JINJA_DIR).as_posix() for path in JINJA_DIR.rglob("*_rows.html")
)


@pytest.mark.parametrize("name", ROW_TEMPLATES)
def test_every_row_template_keeps_its_rows_under_its_own_name(name):
    """The keep is shared by every row template: each keys its rows by its own path, or one
    template's row could be served for another's."""
    source = (JINJA_DIR / name).read_text()
    assert f'kept_row("{name}", row, ' in source
    assert source.count("kept_row(") == 1


def _tbody(html: str) -> str:
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


@pytest.mark.django_db
def test_shortlist_rows_are_kept_and_a_row_that_changed_shows_at_once(
    client, partner, officer, partner_org, django_capture_on_commit_callbacks
):
    """The second visit's rows come from the keep, and say what a fresh render says; a row
    whose product was renamed or whose state moved is rendered afresh, and a reader of the
    other language gets their own words."""
    from markupsafe import Markup

    from matching.services import referral_transition
    from otop_portal import jinja2 as rows_module

    channel = factories.ChannelFactory(partner=partner_org)
    renamed, accepted = sent_referrals(2, channel=channel, officer=officer)
    client.force_login(partner)
    client.cookies["django_language"] = "th"
    url = reverse("partners:home")

    rows_module._kept_rows.clear()
    fresh = _tbody(client.get(url).content.decode())
    assert _tbody(client.get(url).content.decode()) == fresh  # from the keep, the same

    kept = {
        key: value
        for key, value in rows_module._kept_rows.items()
        if key[0] == "partners/_shortlist_rows.html"
    }
    assert len(kept) == 2  # one per row
    for key in kept:
        pk = dict(key[2])["pk"]
        rows_module._kept_rows[key] = Markup(f"<tr><td>kept {int(pk)}</td></tr>")  # noqa: S704
    marked = _tbody(client.get(url).content.decode())
    assert f"kept {renamed.pk}" in marked and f"kept {accepted.pk}" in marked

    product = renamed.product
    product.name_th = "ผ้าไหมมัดหมี่ลายใหม่"
    product.save()
    with django_capture_on_commit_callbacks(execute=True):
        referral_transition(referral_id=accepted.pk, to_state="accepted", by=partner)
    changed = _tbody(client.get(url).content.decode())
    assert f"kept {renamed.pk}" not in changed and "ผ้าไหมมัดหมี่ลายใหม่" in changed
    assert f"kept {accepted.pk}" not in changed
    row = changed.split(f'data-referral="{accepted.pk}"', 1)[1].split("</tr>", 1)[0]
    with translation.override("th"):
        assert str(ReferralState.ACCEPTED.label) in row
    assert 'name="ids"' not in row  # only a waiting referral can be ticked

    client.cookies["django_language"] = "en"
    english = _tbody(client.get(url).content.decode())
    with translation.override("en"):
        assert f">{ReferralState.ACCEPTED.label!s}</span>" in english
    assert "kept" not in english
