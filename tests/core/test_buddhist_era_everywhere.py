"""Thai readers see Buddhist-era years on every page (issue 17): the demo data is loaded, each
role's pages are visited from its home page by following links, and the visible text is scanned
for a four-digit Christian-era year (19xx or 20xx)."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command

from otop_portal.models import User

pytestmark = pytest.mark.django_db

CE_YEAR = re.compile(r"(?<![\d.,/-])(19[5-9]\d|20\d\d)(?![\d.,/-]?\d)")
SKIP = (
    "/accounts/logout",
    "/i18n/",
    "/admin",
    "/api/",
    "/static/",
    "/media/",
    "/healthz",
    "download",
    "/document",
    "/feed/images/",
    "/exports/",  # export files
)
MAX_PAGES = 70


class _VisibleText(HTMLParser):
    """The text a reader sees: text nodes outside script/style, and what text boxes hold."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        # Scripts are not read; a text area holds what someone wrote (an English description
        # may well name a Christian-era year).
        if tag in ("script", "style", "template", "textarea"):
            self._hidden += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "input" and attrs.get("type", "text") == "text" and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template", "textarea") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def _crawl(client, start: str) -> dict[str, str]:
    seen: dict[str, str] = {}
    queue = [start]
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            seen[url] = ""
            continue
        parser = _VisibleText()
        parser.feed(response.content.decode())
        seen[url] = " ".join(parser.parts)
        for href in parser.links:
            href = urldefrag(href).url
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/"):
                continue
            if any(s in href for s in SKIP) or "format=" in href:
                continue
            if href not in seen and href not in queue:
                queue.append(href)
    return seen


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = False
    out = io.StringIO()
    call_command("load_reference_data", stdout=out)
    call_command("load_demo_data", "--force", stdout=out)
    # With DEBUG off the portal refuses the demo accounts (published password): the crawl
    # visits as the same people under addresses of their own.
    for user in User.objects.filter(email__endswith="@demo.otop.th"):
        user.email = user.email.replace("@demo.otop.th", "@crawl.otop.th")
        user.save(update_fields=["email"])


@pytest.mark.parametrize(
    ("email", "home"),
    [
        ("producer@demo.otop.th", "/producer/"),
        ("producer2@demo.otop.th", "/producer/"),
        ("officer@demo.otop.th", "/officer/"),
        ("partner@demo.otop.th", "/partner/"),
        ("admin@demo.otop.th", "/manage/"),
    ],
)
def test_no_christian_era_year_on_any_page_a_thai_reader_sees(client, demo, email, home):
    client.force_login(User.objects.get(email=email.replace("@demo.otop.th", "@crawl.otop.th")))
    client.cookies["django_language"] = "th"
    pages = _crawl(client, home)
    assert len([t for t in pages.values() if t]) >= 5, pages.keys()
    found = {
        url: sorted({m.group(0) for m in CE_YEAR.finditer(text)})
        for url, text in pages.items()
        if CE_YEAR.search(text)
    }
    context = {
        url: [
            pages[url][max(0, m.start() - 40) : m.end() + 20] for m in CE_YEAR.finditer(pages[url])
        ]
        for url in found
    }
    assert not found, context


def test_the_privacy_notice_version_is_a_thai_month(client, db):
    from tests import factories

    user = factories.ProducerUserFactory()
    client.force_login(user)
    client.cookies["django_language"] = "th"
    html = client.get("/producer/register/confirm/").content.decode()
    assert "ฉบับที่ 2025-11" not in html and "2025-11" not in html
    assert "พฤศจิกายน 2568" in html
