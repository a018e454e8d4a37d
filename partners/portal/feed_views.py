"""The listing feed pages: choose a channel and a format, download the feed, and the signed
image links the feed carries (which need no login). The work is in partners/portal/feeds.py."""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseGone,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_safe

from otop_portal import counts
from otop_portal.models import Role
from otop_portal.roles import role_required
from partners.portal import feeds
from producers.media import photo_response
from producers.models import ProductPhoto


class FeedForm(forms.Form):
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        required=False,
        help_text=gettext_lazy(
            "One channel gives one row per product, ready for a bulk upload. All channels "
            "gives one row per product and channel."
        ),
    )
    headers = forms.ChoiceField(
        label=gettext_lazy("Column names"),
        required=False,
        choices=[
            ("label", gettext_lazy("In words, in the language of this page")),
            ("code", gettext_lazy("Machine names (sku, name_th …), the same in every language")),
        ],
    )

    def __init__(self, *args, channels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [
            ("", _("All your channels")),
            *[(c.code, c.name) for c in channels],
        ]
        self.fields["channel"].error_messages["invalid_choice"] = _(
            "None of your channels has this code. Choose one from the list."
        )
        self.fields["headers"].error_messages["invalid_choice"] = _(
            "Choose how the columns are named: in words or machine names."
        )


@role_required(Role.PARTNER)
@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    """Choose a channel (or all) and how columns are named; see how many products the feed has
    and how many lack a weight or a photo; download it as CSV, Excel or JSON."""
    channels = feeds.feed_channel_list(request.user)
    form = FeedForm(request.GET or None, channels=channels)
    context = {"form": form, "hours": feeds.image_link_hours(), "summary": None}
    if form.is_bound and not form.is_valid():
        return render(request, "partners/feed.html", context)
    data = form.cleaned_data if form.is_bound else {}
    code = data.get("channel", "")
    channel = next((c for c in channels if c.code == code), None)
    context.update(
        channel=channel,
        query_string=urlencode({"channel": code, "headers": data.get("headers") or "label"}),
        # Kept per partner and channel until a referral, a product or a photo changes
        # (otop_portal/counts.py): it counted a big partner's feed on every visit (issue 13).
        summary=counts.cached_count(
            (counts.REFERRALS, counts.QUEUES),
            f"feed:{request.user.partner_id}:{code}",
            lambda: feeds.feed_summary(feeds.feed_referrals(request.user, channel)),
        ),
    )
    return render(request, "partners/feed.html", context)


def _bad_request(message: str) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


@role_required(Role.PARTNER)
@require_GET
def feed_download(request: HttpRequest) -> HttpResponse:
    """GET ?format=csv|xlsx|json&channel=<code or empty>&headers=label|code: the feed file.
    CSV and JSON are streamed; the Excel file is made in memory (openpyxl write-only)."""
    fmt = request.GET.get("format", "")
    if fmt not in feeds.FORMATS:
        return _bad_request(_("Choose the CSV, Excel (XLSX) or JSON format."))
    header_style = request.GET.get("headers") or "label"
    if header_style not in feeds.HEADER_STYLES:
        return _bad_request(_("Choose how the columns are named: in words or machine names."))
    try:
        channel = feeds.feed_channel(request.user, request.GET.get("channel", ""))
    except ValidationError as error:
        return _bad_request(error.messages[0])
    referrals = feeds.feed_referrals(request.user, channel)
    base_url = request.build_absolute_uri("/").rstrip("/")
    language = translation.get_language()
    filename = feeds.feed_filename(fmt, partner_code=request.user.partner.code, channel=channel)

    items = feeds.feed_items(referrals, base_url=base_url)  # a generator: read as written

    if fmt == "xlsx":
        out = io.BytesIO()
        feeds.write_xlsx(items, out, header_style=header_style)
        response: HttpResponse = HttpResponse(out.getvalue(), content_type=feeds.CONTENT_TYPES[fmt])
    else:
        if fmt == "csv":
            content = feeds.stream_csv(items, header_style=header_style)
        else:
            content = feeds.stream_json(items, channel=channel)
        # Streamed after the view returns: the rows are read, and their words made, then.
        content = _in_language(language, content)
        response = StreamingHttpResponse(content, content_type=feeds.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, filename)
    add_never_cache_headers(response)  # the file carries links that expire
    return response


def _in_language(language: str, chunks):
    with translation.override(language):
        yield from chunks


@require_safe  # GET and HEAD: a marketplace may check a link before fetching it
def feed_image(request: HttpRequest, token: str) -> HttpResponse:
    """A photo from a feed's signed link, for anyone holding the link (no login: marketplaces
    fetch them). Expired: 410 Gone. Tampered, or the photo is gone: 404."""
    try:
        photo_id, expires_at = feeds.read_image_token(token)
    except feeds.ImageLinkExpired:
        return HttpResponseGone(
            _("This image link has expired. Download the feed again for fresh links."),
            content_type="text/plain; charset=utf-8",
        )
    except signing.BadSignature:
        raise Http404 from None
    photo = (
        ProductPhoto.objects.filter(pk=photo_id, product__producer__erased_at__isnull=True)
        .only("pk", "image")
        .first()
    )
    if photo is None:
        raise Http404
    response = photo_response(photo)
    # Cached no longer than the link works; shared caches may keep it as long (it is the same
    # for everyone holding the link).
    patch_cache_control(response, public=True, max_age=feeds.seconds_left(expires_at))
    return response
