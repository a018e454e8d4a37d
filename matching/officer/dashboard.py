"""The officers' dashboard: four charts of their provinces, each with its numbers and a CSV.

One module for the aggregates, the drawing and the view, because they exist only for each
other: every selector here feeds exactly one chart, the drawing knows only these figures, and
the page is their only reader. Split across selectors.py and views.py they would be three
halves of one feature. The scope rules are not repeated: they come from matching.selectors.

Each chart is ONE aggregate query (values().annotate(Count)); the page costs the same number
of queries whatever the data. Charts are inline SVG drawn on the server (no script, no CDN),
scaled by their viewBox; the figures behind each one are a table under it and a CSV link.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import TruncMonth
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from matching.filters import _provinces
from matching.models import MatchResult, ReferralEvent, ReferralState
from matching.selectors import (
    _in_province_scope,
    officer_candidates,
    officer_scope_key,
    referrals_visible_to,
)
from otop_portal import spreadsheets
from otop_portal.choices import ModelChoiceField, kept_rendered
from otop_portal.models import Province, Role
from otop_portal.roles import role_required
from otop_portal.templatetags.thai_dates import format_local_date
from producers.models import (
    ProducerStatus,
    Product,
    ProductStatus,
)

log = logging.getLogger(__name__)

S = ReferralState

# Colour-blind-safe colours. Categories (states, event kinds) take the Okabe-Ito palette, plus
# greys for the two "ended quietly" states; a state has the same colour in every chart. Star
# levels are ordered, so they take viridis (lightness grows with the level), and "no stars"
# a neutral grey. Every bar also has a thin dark outline (portal.css), so the light colours
# still stand out from the white background.
STATE_COLOURS = {
    S.PROPOSED: "#56B4E9",
    S.APPROVED: "#0072B2",
    S.REJECTED: "#D55E00",
    S.SENT: "#E69F00",
    S.ACCEPTED: "#F0E442",
    S.DECLINED: "#CC79A7",
    S.LISTED: "#009E73",
    S.WITHDRAWN: "#BBBBBB",
    S.LAPSED: "#666666",
}
STAR_COLOURS = ["#BBBBBB", "#FDE725", "#5EC962", "#21918C", "#3B528B", "#440154"]
PAIRS_COLOUR, PRODUCTS_COLOUR = "#0072B2", "#E69F00"

TOP_PROVINCES = 10  # the rest are one "other provinces" bar
PERIODS = (6, 12, 24)  # months of the time chart
DEFAULT_PERIOD = 12
# The milestones of the time chart: created (the "proposed" event every referral starts with),
# then the steps towards a listing.
MILESTONES = (S.PROPOSED, S.APPROVED, S.SENT, S.LISTED)


# --- Figures: what every chart, table and CSV is made of -----------------------------------


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    colour: str


@dataclass
class Figures:
    """The numbers behind one chart: values[row key][series key], rows and series in order.

    `stacked`: the series add up to a meaningful row total (referrals by state); otherwise
    they are side by side (pairs and products, or events of different kinds in a month)."""

    name: str
    title: str
    description: str
    row_heading: str
    rows: list[tuple[str, str]]  # (key, label)
    series: list[Series]
    values: dict[str, dict[str, int]]
    stacked: bool = True
    vertical: bool = False
    # Vertical charts: a short axis label for each row, and an optional second line.
    axis_labels: list[tuple[str, str]] = field(default_factory=list)

    def value(self, row: str, series: str) -> int:
        return self.values.get(row, {}).get(series, 0)

    def row_total(self, row: str) -> int:
        return sum(self.value(row, s.key) for s in self.series)

    def series_total(self, series: str) -> int:
        return sum(self.value(row, series) for row, _label in self.rows)

    @property
    def total(self) -> int:
        return sum(self.row_total(row) for row, _label in self.rows)

    @property
    def is_empty(self) -> bool:
        return not any(self.row_total(row) for row, _label in self.rows)

    def table(self) -> dict:
        """Header, body and footer rows, as the page's table and the CSV show them."""
        total_label = _("Total")
        header = [self.row_heading, *(s.label for s in self.series)]
        if self.stacked:
            header.append(total_label)
        body = []
        for key, label in self.rows:
            cells = [self.value(key, s.key) for s in self.series]
            if self.stacked:
                cells.append(self.row_total(key))
            body.append((label, cells))
        footer = [self.series_total(s.key) for s in self.series]
        if self.stacked:
            footer.append(self.total)
        return {"header": header, "body": body, "footer": (total_label, footer)}

    def summary(self) -> str:
        """One sentence for screen readers: the totals that the bars show."""
        if self.stacked:
            parts = [f"{label} {self.row_total(key)}" for key, label in self.rows]
        else:
            parts = [f"{s.label} {self.series_total(s.key)}" for s in self.series]
        return _("%(title)s. %(parts)s.") % {"title": self.title, "parts": "; ".join(parts)}


def _in_language(name_th: str, name_en: str) -> str:
    return name_en if get_language() == "en" and name_en else name_th


def _stars_label(level: int) -> str:
    if not level:
        return _("No stars")
    return ngettext("%(n)s star", "%(n)s stars", level) % {"n": level}


# --- Selectors: one aggregate query each ----------------------------------------------------
#
# Each chart is the database's answer (`*_rows`: plain values, the same in every language, so
# Thai and English visits share one cached copy and one refresh) and the figures drawn from it
# in the reader's language (`*_figures`). The functions named after the charts do both.


def _referral_rows(user, province: Province | None, _months: int = 0) -> list[tuple]:
    referrals = referrals_visible_to(user)
    if province is not None:
        referrals = referrals.filter(province=province)
    return list(
        referrals.order_by()
        .values(
            "channel__partner__code",
            "channel__partner__name_th",
            "channel__partner__name_en",
            "state",
        )
        .annotate(n=Count("pk"))
        .values_list(
            "channel__partner__code",
            "channel__partner__name_th",
            "channel__partner__name_en",
            "state",
            "n",
        )
    )


def _referral_figures(rows: list[tuple]) -> Figures:
    values: dict[str, dict[str, int]] = defaultdict(dict)
    labels: dict[str, str] = {}
    for code, name_th, name_en, state, n in rows:
        values[code][state] = n
        labels[code] = _in_language(name_th, name_en)
    present = {state for by_state in values.values() for state in by_state}
    return Figures(
        name="referrals",
        title=_("Referrals by partner and state"),
        description=_("Every referral of your provinces, by the partner it went to."),
        row_heading=_("Partner"),
        rows=sorted(labels.items(), key=lambda item: item[1]),
        series=[
            Series(state, label, STATE_COLOURS[state])
            for state, label in S.choices
            if state in present
        ],
        values=dict(values),
    )


def referrals_by_partner_and_state(user, *, province: Province | None = None) -> Figures:
    """Referrals the user may read (their provinces; all for national officers and
    administrators), counted by the channel's partner and the referral's state. One query."""
    return _referral_figures(_referral_rows(user, province))


def _star_level_now() -> Subquery:
    """A product's current OTOP star level, as the last re-score found it: every stored result
    of a product carries the same star_level (producers.selectors.current_star_level), and the daily
    re-score keeps it current as ratings expire or go stale. One index probe per product on
    (product, channel); working the rule out again in SQL took 40 s or more for 100,000
    products (an OR across the producer's and the product's certificates in a subquery per row,
    docs/performance.md). A product with no stored result (no channel is active) counts as
    having no stars."""
    return Subquery(
        MatchResult.objects.filter(product_id=OuterRef("pk")).order_by().values("star_level")[:1]
    )


def _product_rows(user, province: Province | None, _months: int = 0) -> list[tuple]:
    products = Product.objects.filter(
        status=ProductStatus.ACTIVE,
        producer__status=ProducerStatus.VERIFIED,
        producer__erased_at__isnull=True,
    )
    products = _in_province_scope(products, user, "producer__")
    if province is not None:
        products = products.filter(producer__province=province)
    return list(
        products.annotate(stars=_star_level_now())
        .order_by()
        .values(
            "category__code",
            "category__name_th",
            "category__name_en",
            "category__sort_order",
            "stars",
        )
        .annotate(n=Count("pk"))
        .values_list(
            "category__code",
            "category__name_th",
            "category__name_en",
            "category__sort_order",
            "stars",
            "n",
        )
    )


def _product_figures(rows: list[tuple]) -> Figures:
    values: dict[str, dict[str, int]] = defaultdict(dict)
    categories: dict[str, tuple[int, str]] = {}
    for code, name_th, name_en, sort_order, stars, n in rows:
        level = str(stars or 0)
        values[code][level] = values[code].get(level, 0) + n
        categories[code] = (sort_order, _in_language(name_th, name_en))
    ordered = sorted(categories.items(), key=lambda item: (item[1][0], item[0]))
    return Figures(
        name="products",
        title=_("Products by OTOP category and star level"),
        description=_("Products on sale of verified producers, by their current OTOP star rating."),
        row_heading=_("OTOP category"),
        rows=[(code, label) for code, (_order, label) in ordered],
        series=[Series(str(level), _stars_label(level), STAR_COLOURS[level]) for level in range(6)],
        values=dict(values),
    )


def products_by_category_and_stars(user, *, province: Province | None = None) -> Figures:
    """Products on sale of verified producers (not erased) in the user's provinces, counted by
    OTOP category and current star level ("no stars" is a level). One query."""
    return _product_figures(_product_rows(user, province))


def _eligible_rows(user, province: Province | None, _months: int = 0) -> list[dict]:
    candidates = officer_candidates(user)
    if province is not None:
        candidates = candidates.filter(product__producer__province=province)
    return list(
        candidates.order_by()
        .values(
            "product__producer__province__code",
            "product__producer__province__name_th",
            "product__producer__province__name_en",
        )
        .annotate(pairs=Count("pk"), products=Count("product_id", distinct=True))
    )


def _eligible_figures(rows: list[dict]) -> Figures:
    rows = sorted(rows, key=lambda r: (-r["pairs"], r["product__producer__province__code"] or ""))
    shown, others = rows[:TOP_PROVINCES], rows[TOP_PROVINCES:]
    values = {}
    labels = []
    for row in shown:
        code = row["product__producer__province__code"] or "-"
        values[code] = {"pairs": row["pairs"], "products": row["products"]}
        name = _in_language(
            row["product__producer__province__name_th"] or "",
            row["product__producer__province__name_en"] or "",
        )
        labels.append((code, name or _("No province")))
    if others:
        # A product belongs to one province, so distinct products add up across provinces.
        values["others"] = {
            "pairs": sum(r["pairs"] for r in others),
            "products": sum(r["products"] for r in others),
        }
        labels.append(
            (
                "others",
                ngettext("%(n)s other province", "%(n)s other provinces", len(others))
                % {"n": len(others)},
            )
        )
    return Figures(
        name="eligible",
        title=_("Eligible but not referred, by province"),
        description=_(
            "Products that meet every requirement of a partner channel and have no open "
            "referral to it: the product × channel pairs, and how many products they are."
        ),
        row_heading=_("Province"),
        rows=labels,
        series=[
            Series("pairs", _("Product × channel pairs"), PAIRS_COLOUR),
            Series("products", _("Products"), PRODUCTS_COLOUR),
        ],
        values=values,
        stacked=False,
    )


def eligible_not_referred_by_province(user, *, province: Province | None = None) -> Figures:
    """The officer's candidates (matching.selectors.officer_candidates: eligible pairs not yet
    referred) counted by the producer's province: pairs, and distinct products. The
    TOP_PROVINCES with the most pairs have a bar each, the rest one bar together. One query."""
    return _eligible_figures(_eligible_rows(user, province))


def _month_starts(months: int, today: dt.date) -> list[dt.date]:
    """The first day of each of the last `months` months, this month included, oldest first."""
    index = today.year * 12 + today.month - 1
    return [dt.date(i // 12, i % 12 + 1, 1) for i in range(index - months + 1, index + 1)]


def _timeline_rows(
    user, province: Province | None, months: int, today: dt.date | None = None
) -> tuple[list[dt.date], dict[str, dict[str, int]]]:
    """The first day of each month shown, and per month (ISO date) and milestone a count."""
    today = today or timezone.localdate()
    starts = _month_starts(months, today)
    since = timezone.make_aware(dt.datetime.combine(starts[0], dt.time.min))
    referrals = referrals_visible_to(user)
    if province is not None:
        referrals = referrals.filter(province=province)
    rows = (
        ReferralEvent.objects.filter(
            referral__in=referrals.values("pk"),
            to_state__in=MILESTONES,
            created_at__gte=since,
        )
        .annotate(month=TruncMonth("created_at"))
        .order_by()
        .values("month", "to_state")
        .annotate(n=Count("referral_id", distinct=True))
    )
    values: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        month = row["month"]
        if isinstance(month, dt.datetime):
            month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
        values[month.isoformat()][row["to_state"]] = row["n"]
    return starts, dict(values)


def _timeline_figures(found: tuple[list[dt.date], dict[str, dict[str, int]]]) -> Figures:
    starts, values = found
    months = len(starts)
    labels = {
        S.PROPOSED: _("Created"),
        S.APPROVED: _("Approved"),
        S.SENT: _("Sent to the partner"),
        S.LISTED: _("Listed"),
    }
    return Figures(
        name="timeline",
        title=ngettext(
            "Referrals over the last month", "Referrals over the last %(n)s months", months
        )
        % {"n": months},
        description=_(
            "Each month: referrals created, and referrals that reached approved, sent and "
            "listed in that month."
        ),
        row_heading=_("Month"),
        # Month names in the reader's language; in Thai with the Buddhist Era year.
        rows=[(m.isoformat(), format_local_date(m, "F Y")) for m in starts],
        series=[Series(state, labels[state], STATE_COLOURS[state]) for state in MILESTONES],
        values=values,
        stacked=False,
        vertical=True,
        axis_labels=[
            (
                format_local_date(m, "M"),
                # The year under January, and under the first month unless January is next.
                format_local_date(m, "Y") if m.month == 1 or (i == 0 and m.month != 12) else "",
            )
            for i, m in enumerate(starts)
        ],
    )


def referrals_over_time(
    user,
    *,
    province: Province | None = None,
    months: int = DEFAULT_PERIOD,
    today: dt.date | None = None,
) -> Figures:
    """Per month (local time) of the last `months`: how many referrals the user may read were
    created, and how many reached approved, sent and listed, from the dates of their
    ReferralEvents. One query."""
    return _timeline_figures(_timeline_rows(user, province, months, today))


@dataclass(frozen=True)
class Chart:
    """How one chart is read from the database (`rows`: the user, the province or None, the
    months of the period) and drawn in the reader's language (`figures`). `by_period`: its
    rows depend on the period (only the time chart's do)."""

    rows: Callable[[object, Province | None, int], object]
    figures: Callable[[object], Figures]
    by_period: bool = False

    def __call__(self, user, province: Province | None, months: int) -> Figures:
        return self.figures(self.rows(user, province, months))


CHARTS: dict[str, Chart] = {
    "referrals": Chart(_referral_rows, _referral_figures),
    "products": Chart(_product_rows, _product_figures),
    "eligible": Chart(_eligible_rows, _eligible_figures),
    "timeline": Chart(_timeline_rows, _timeline_figures, by_period=True),
}


# --- Drawing: figures to SVG shapes (the template writes them out) ----------------------------


@dataclass
class Svg:
    width: int
    height: int
    rects: list[dict] = field(default_factory=list)
    texts: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    wide: bool = False


def _ticks(top: int) -> list[int]:
    """Whole-number axis ticks from 0 to at least `top`, about four steps of 1, 2 or 5 × 10ⁿ."""
    if top <= 0:
        return [0, 1]
    raw = top / 4
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(1, int(step))
    return [i * step for i in range(math.ceil(top / step) + 1)]


def _r(x: float) -> float:
    return round(x, 1)


def _bar_title(row_label: str, series: Series, value: int) -> str:
    return f"{row_label} – {series.label}: {value}"


# Horizontal bars (categories): the label on its own line above each bar, so long Thai names
# need no truncation. The viewBox is narrow (320 units) so that on a 360 px phone, where the
# card is about 295 px wide, the 13-unit labels still render at 12 px; on a desktop the chart
# stops growing at 28rem (portal.css), where they are about 18 px.
H_WIDTH, H_LABEL, H_STACK_BAR, H_GROUP_BAR, H_ROW_GAP, H_AXIS, H_VALUE_ROOM = (
    320,
    18,
    16,
    10,
    10,
    22,
    36,
)


def _draw_horizontal(figures: Figures) -> Svg:
    if figures.stacked:
        top = max((figures.row_total(k) for k, _l in figures.rows), default=0)
    else:
        top = max(
            (figures.value(k, s.key) for k, _l in figures.rows for s in figures.series), default=0
        )
    ticks = _ticks(top)
    plot = H_WIDTH - H_VALUE_ROOM
    scale = plot / ticks[-1]
    bars_height = H_STACK_BAR if figures.stacked else H_GROUP_BAR * len(figures.series)
    row_height = H_LABEL + bars_height + H_ROW_GAP
    plot_height = row_height * len(figures.rows)
    svg = Svg(width=H_WIDTH, height=plot_height + H_AXIS)
    for tick in ticks:
        x = _r(tick * scale)
        svg.lines.append({"x1": x, "y1": 0, "x2": x, "y2": plot_height, "cls": "grid"})
        anchor = "start" if tick == 0 else "middle"
        svg.texts.append(
            {"x": x, "y": plot_height + 15, "text": tick, "anchor": anchor, "cls": "tick"}
        )
    for i, (key, label) in enumerate(figures.rows):
        y = i * row_height
        svg.texts.append({"x": 0, "y": y + 13, "text": label, "anchor": "start", "cls": "label"})
        bar_y = y + H_LABEL
        if figures.stacked:
            x = 0.0
            for s in figures.series:
                value = figures.value(key, s.key)
                if value:
                    svg.rects.append(
                        {
                            "x": _r(x),
                            "y": bar_y,
                            "w": _r(value * scale),
                            "h": H_STACK_BAR,
                            "fill": s.colour,
                            "title": _bar_title(label, s, value),
                        }
                    )
                    x += value * scale
            svg.texts.append(
                {
                    "x": _r(x + 4),
                    "y": bar_y + 12,
                    "text": figures.row_total(key),
                    "anchor": "start",
                    "cls": "value",
                }
            )
        else:
            for j, s in enumerate(figures.series):
                value = figures.value(key, s.key)
                sy = bar_y + j * H_GROUP_BAR
                if value:
                    svg.rects.append(
                        {
                            "x": 0,
                            "y": sy,
                            "w": _r(value * scale),
                            "h": H_GROUP_BAR - 1,
                            "fill": s.colour,
                            "title": _bar_title(label, s, value),
                        }
                    )
                svg.texts.append(
                    {
                        "x": _r(value * scale + 4),
                        "y": sy + 8,
                        "text": value,
                        "anchor": "start",
                        "cls": "value small",
                    }
                )
    return svg


# Vertical columns (months), grouped by series: a little wider, as a year of months needs the
# room (12-unit month names render at 10 px on a phone; the chart stops at 34rem).
V_WIDTH, V_HEIGHT, V_LEFT, V_BOTTOM, V_TOP, V_RIGHT = 360, 220, 28, 36, 10, 4


def _draw_vertical(figures: Figures) -> Svg:
    top = max(
        (figures.value(k, s.key) for k, _l in figures.rows for s in figures.series), default=0
    )
    ticks = _ticks(top)
    plot_w = V_WIDTH - V_LEFT - V_RIGHT
    plot_h = V_HEIGHT - V_TOP - V_BOTTOM
    scale = plot_h / ticks[-1]
    base = V_TOP + plot_h
    svg = Svg(width=V_WIDTH, height=V_HEIGHT, wide=True)
    for tick in ticks:
        y = _r(base - tick * scale)
        svg.lines.append({"x1": V_LEFT, "y1": y, "x2": V_WIDTH - V_RIGHT, "y2": y, "cls": "grid"})
        svg.texts.append(
            {"x": V_LEFT - 4, "y": y + 4, "text": tick, "anchor": "end", "cls": "tick"}
        )
    n = len(figures.rows) or 1
    band = plot_w / n
    group = band * 0.8
    bar_w = group / len(figures.series)
    every = math.ceil(n / 12)  # label every month up to a year, then every second or third
    for i, (key, label) in enumerate(figures.rows):
        x0 = V_LEFT + i * band + (band - group) / 2
        for j, s in enumerate(figures.series):
            value = figures.value(key, s.key)
            if value:
                h = value * scale
                svg.rects.append(
                    {
                        "x": _r(x0 + j * bar_w),
                        "y": _r(base - h),
                        "w": _r(bar_w),
                        "h": _r(h),
                        "fill": s.colour,
                        "title": _bar_title(label, s, value),
                    }
                )
        short, second = figures.axis_labels[i] if figures.axis_labels else (label, "")
        centre = _r(V_LEFT + i * band + band / 2)
        if i % every == 0:
            svg.texts.append(
                {"x": centre, "y": base + 15, "text": short, "anchor": "middle", "cls": "month"}
            )
        if second:
            svg.texts.append(
                {"x": centre, "y": base + 30, "text": second, "anchor": "middle", "cls": "month"}
            )
    svg.lines.append({"x1": V_LEFT, "y1": base, "x2": V_WIDTH - V_RIGHT, "y2": base, "cls": "axis"})
    return svg


def draw(figures: Figures) -> Svg:
    return _draw_vertical(figures) if figures.vertical else _draw_horizontal(figures)


# --- The page ---------------------------------------------------------------------------------


def _last_months(n: int) -> str:
    return ngettext("Last %(n)s month", "Last %(n)s months", n) % {"n": n}


class DashboardForm(forms.Form):
    """The page's filters, a plain GET form: a province among the officer's own, and the period
    of the time chart."""

    province = ModelChoiceField(
        queryset=Province.objects.none(),
        to_field_name="code",
        required=False,
        label=gettext_lazy("Province"),
        empty_label=gettext_lazy("All your provinces"),
    )
    months = forms.TypedChoiceField(
        # Lazy: the labels are made in the reader's language when the form renders.
        choices=[(n, lazy(_last_months, str)(n)) for n in PERIODS],
        coerce=int,
        required=False,
        empty_value=DEFAULT_PERIOD,
        initial=DEFAULT_PERIOD,
        label=gettext_lazy("Period of the time chart"),
    )

    def __init__(self, *args, provinces: QuerySet[Province], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = provinces


def _chosen(form: DashboardForm) -> tuple[Province | None, int]:
    """The filters that were understood; one that was not is left out (the form says so)."""
    if form.is_bound:
        form.is_valid()
    data = getattr(form, "cleaned_data", {})
    return data.get("province"), data.get("months") or DEFAULT_PERIOD


def _csv_response(figures: Figures) -> HttpResponse:
    """The figures of one chart as the table shows them (otop_portal.spreadsheets: UTF-8 with a
    BOM, cells that look like formulas escaped)."""
    table = figures.table()
    total_label, totals = table["footer"]
    rows = [[label, *cells] for label, cells in table["body"]] + [[total_label, *totals]]
    content = spreadsheets.csv_bytes(table["header"], rows)
    response = HttpResponse(content, content_type=spreadsheets.CONTENT_TYPES["csv"])
    filename = f"otop-dashboard-{figures.name}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def figures_key(name: str, user, province: Province | None, months: int) -> str:
    """Where one chart's rows are kept: per scope, province and day, and per period for the
    time chart. Not per language: a Thai and an English visit share them (Chart)."""
    return ":".join(
        [
            "dashboard",
            name,
            officer_scope_key(user),
            str(province.pk if province else "-"),
            str(months) if CHARTS[name].by_period else "-",
            timezone.localdate().isoformat(),  # the time chart ends this month
        ]
    )


def cached_figures(
    name: str, user, province: Province | None, months: int, *, wait: bool = True
) -> tuple[Figures, dt.datetime] | None:
    """One chart's figures, in the reader's language, and when they were worked out. The
    database's answer is kept DASHBOARD_CACHE_SECONDS per scope, province (and period, for
    the time chart), so officers of the same scope share it whatever their language and the
    period they chose. A national chart reads every product or eligible pair of the country
    (1.2-3 s at 250,000 products, docs/performance.md); a few minutes old is fresh enough to
    look at. 0 turns the cache off. None, with `wait=False`, when there are none yet and
    another visit is working them out."""
    chart = CHARTS[name]
    seconds = getattr(settings, "DASHBOARD_CACHE_SECONDS", 300)
    if not seconds:
        return chart(user, province, months), timezone.now()
    key = figures_key(name, user, province, months)
    found = _fresh_or_stale(key, seconds, lambda: chart.rows(user, province, months), wait=wait)
    if found is None:
        return None
    rows, made = found
    return chart.figures(rows), made


# Each worker process keeps the charts it drew from the cached figures (the SVG, the table and
# the summary: most of a cached visit's time), under what the figures were made for and when.
_DRAWN: dict[tuple, dict] = {}
_DRAWN_MAX = 256


def _drawn(key: tuple, figures: Figures) -> dict:
    return kept_rendered(
        _DRAWN,
        key,
        lambda: {
            "svg": None if figures.is_empty else draw(figures),
            "table": figures.table(),
            "summary": figures.summary(),
        },
        _DRAWN_MAX,
    )


# And the chart's card as HTML, for the query string it links its spreadsheet with: its SVG's
# hundreds of elements and its table rendered in Django's templates were most of a cached
# visit's CPU (15 ms of 20, issue 13, twelfth pass).
_CARDS: dict[tuple, str] = {}


def _card(key: tuple, chart: dict, query) -> str:
    return kept_rendered(
        _CARDS,
        (*key, query.urlencode()),
        lambda: render_to_string("matching/_chart_card.html", {"chart": chart, "query": query}),
        _DRAWN_MAX,
    )


# How long one visit may take to work a chart out before another visit tries too.
REFRESH_LOCK_SECONDS = 30


def _refresh(key: str, seconds: int, compute, lock: str) -> tuple[object, dt.datetime]:
    try:
        found = (compute(), timezone.now())
        cache.set(key, found, 2 * seconds)
    finally:
        cache.delete(lock)
    return found


# One background refresh at a time in a process (and, on PostgreSQL, on the whole server).
_ONE_REFRESH = threading.Lock()
# pg_advisory_xact_lock's key for the dashboard's refreshes: any fixed number no other lock uses.
REFRESH_ADVISORY_LOCK = 0x0D45_4B01
# How long a refresh may wait for the one before it, and then read (each, in ms): a national
# chart takes seconds; one stuck would otherwise hold every later refresh of the process.
REFRESH_STATEMENT_TIMEOUT_MS = 120_000


def _one_refresh_on_one_core(compute: Callable[[], object]) -> object:
    """The figures of a whole country read millions of rows (the national "products" and
    "eligible" charts: 1.3-3 s each at 250,000 products). Worked out at once, each in its thread,
    and the "eligible" one with a parallel worker, they took more cores than a 2-core server
    has for seconds, and the pages asked meanwhile waited past 2 s (issue 13). So a refresh
    waits for the one before it, this process's and, on PostgreSQL, any other server
    process's (an advisory lock, released with the transaction), and reads on one core (no
    parallel workers): the pages keep the other cores. The figures come a few seconds
    later; the page says they are being worked out and shows the previous ones meanwhile.
    The cache is written after the transaction, so a failure still lets the lock go; the
    wait and each statement are bounded by REFRESH_STATEMENT_TIMEOUT_MS."""
    with _ONE_REFRESH:
        if connection.vendor != "postgresql":
            return compute()
        with transaction.atomic(), connection.cursor() as cursor:
            # Both settings until the transaction ends (is_local), as SET LOCAL would.
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, true),"
                " set_config('max_parallel_workers_per_gather', '0', true)",
                [str(int(REFRESH_STATEMENT_TIMEOUT_MS))],
            )
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFRESH_ADVISORY_LOCK])
            return compute()


def _refresh_in_background(key: str, seconds: int, compute, lock: str) -> threading.Thread:
    """Work the figures out beside the request, on a connection of their own (closed after),
    one refresh at a time on one core (_one_refresh_on_one_core): the visit answers at once,
    and the server's workers stay free for the other visits while a national chart takes
    seconds (issue 13). Only outside a transaction: a thread's connection would not see a
    transaction's rows."""

    def run() -> None:
        try:
            _refresh(key, seconds, lambda: _one_refresh_on_one_core(compute), lock)
        except Exception:
            log.exception("dashboard figures %s could not be worked out", key)
        finally:
            connections.close_all()  # this thread's connections only

    thread = threading.Thread(target=run, name=f"dashboard-figures {key}", daemon=True)
    thread.start()
    return thread


def _fresh_or_stale(
    key: str, seconds: int, compute, *, wait: bool = True
) -> tuple[object, dt.datetime] | None:
    """Stampede protection: of the visits that find the figures missing or older than
    `seconds`, one works them out; while it does, the others show the previous figures (the
    page says how old they are) or, when there are none yet, wait for that one's (`wait`) or
    get None at once (the page says they are being worked out, with a link to look again: a worker
    waiting is a worker no other visit can use, issue 13). With `wait=False` the one visit
    does not work them out itself either: a thread does, and the visit shows what there is.
    The figures stay in the cache for twice `seconds`, so that a busy dashboard always has
    figures to show while they are refreshed. The figures and the lock are read together: while
    a refresh is under way a visit does not try to take the lock again (with the database's
    cache, a failed `add` is five statements and an error in the server's log)."""
    lock = f"{key}:refreshing"
    kept = cache.get_many([key, lock])
    found = kept.get(key)
    now = timezone.now()
    if found is not None and (now - found[1]).total_seconds() < seconds:
        return found
    if lock not in kept and cache.add(lock, 1, REFRESH_LOCK_SECONDS):
        if not wait and not connection.in_atomic_block:
            _refresh_in_background(key, seconds, compute, lock)
            return found  # the previous figures meanwhile, or None: being worked out
        return _refresh(key, seconds, compute, lock)
    if found is not None:
        return found  # someone is refreshing them: the previous figures meanwhile
    if not wait:
        return None
    deadline = time.monotonic() + REFRESH_LOCK_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.05)
        found = cache.get(key)
        if found is not None:
            return found
    found = (compute(), timezone.now())  # the other visit gave up: work them out here
    cache.set(key, found, 2 * seconds)
    return found


def _rescoring():
    """How far the latest re-scoring run is (matching.runs), for the officers to see whether
    the results they read are being refreshed. Two queries; None before the first run."""
    from matching.runs import latest_runs, run_progress

    runs = latest_runs(1)
    return run_progress(runs[0]) if runs else None


@role_required(Role.OFFICER, Role.ADMIN)
def dashboard(request: HttpRequest) -> HttpResponse:
    """The four charts of the officer's provinces (or one province of theirs); with
    ?chart=<name>&format=csv, that chart's figures as a spreadsheet."""
    form = DashboardForm(request.GET or None, provinces=_provinces(request))
    province, months = _chosen(form)
    if request.GET.get("format") == "csv":
        name = request.GET.get("chart", "")
        if name not in CHARTS:
            raise Http404
        return _csv_response(cached_figures(name, request.user, province, months)[0])
    charts = []
    as_of = timezone.now()
    for name in CHARTS:
        found = cached_figures(name, request.user, province, months, wait=False)
        if found is None:  # another visit is working them out: say so, and come back
            charts.append({"name": name, "pending": True})
            continue
        figures, made = found
        as_of = min(as_of, made)
        key = (name, officer_scope_key(request.user), province, months, get_language(), made)
        chart = {"name": name, "figures": figures, **_drawn(key, figures)}
        charts.append({**chart, "card": mark_safe(_card(key, chart, request.GET))})  # noqa: S308
    return render(
        request,
        "matching/dashboard.html",
        {
            "rescoring": _rescoring(),
            "form": form,
            "charts": charts,
            "province": province,
            "months": months,
            "as_of": timezone.localtime(as_of),
            "refresh_minutes": max(1, getattr(settings, "DASHBOARD_CACHE_SECONDS", 300) // 60),
        },
    )
