from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from otop_portal.models import Role
from partners.forms import (
    CertificateRuleFormSet,
    ChannelForm,
    NewChannelForm,
    PartnerForm,
    PreferredFormSet,
    RequirementForm,
    filled_forms,
)
from partners.models import Channel, Partner, PartnerStatus
from partners.permissions import can_edit_partner, can_set_partner_status
from partners.selectors import (
    channel_for_page,
    partner_directory,
    partner_with_channels,
    requirement_snapshot,
    requirement_versions,
)
from partners.sentences import NameBook, describe_changes, describe_requirement
from partners.services import (
    channel_create,
    current_preferred,
    current_rules,
    partner_set_status,
    partner_update,
    requirement_save,
)


def _with_sentences(channels, names: NameBook) -> list[tuple[Channel, list[str]]]:
    return [
        (
            channel,
            describe_requirement(requirement_snapshot(channel.requirement), names)
            if hasattr(channel, "requirement")
            else [],
        )
        for channel in channels
    ]


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    """Public: what each MOU partner is and what its channels ask for, before anyone signs up."""
    names = NameBook()
    partners = [
        (partner, _with_sentences(partner.active_channels, names))
        for partner in partner_directory()
    ]
    return render(request, "partners/directory.html", {"partners": partners})


@require_GET
def partner_detail(request: HttpRequest, partner: str) -> HttpResponse:
    try:
        found = Partner.objects.get(code=partner)
    except Partner.DoesNotExist:
        raise Http404 from None
    may_edit = can_edit_partner(request.user, found)
    found = partner_with_channels(code=partner, include_inactive=may_edit)
    return render(
        request,
        "partners/partner_detail.html",
        {
            "partner": found,
            "channels": _with_sentences(found.shown_channels, NameBook()),
            "may_edit": may_edit,
            "may_record_leaving": can_set_partner_status(request.user)
            and found.status != PartnerStatus.LEFT,
        },
    )


def _channel(partner: str, channel: str) -> Channel:
    try:
        return channel_for_page(partner_code=partner, channel_code=channel)
    except Channel.DoesNotExist:
        raise Http404 from None


def _may_see_history(user, partner: Partner) -> bool:
    """Who changed what names people: the partner's own members, officers and administrators."""
    return can_edit_partner(user, partner) or (
        user.role == Role.PARTNER and user.partner_id == partner.pk
    )


@require_GET
def channel_detail(request: HttpRequest, partner: str, channel: str) -> HttpResponse:
    found = _channel(partner, channel)
    user = request.user
    return render(
        request,
        "partners/channel_detail.html",
        {
            "channel": found,
            "partner": found.partner,
            "sentences": describe_requirement(requirement_snapshot(found.requirement)),
            "may_edit": can_edit_partner(user, found.partner),
            "may_see_history": user.is_authenticated and _may_see_history(user, found.partner),
        },
    )


@login_required
@require_GET
def channel_history(request: HttpRequest, partner: str, channel: str) -> HttpResponse:
    found = _channel(partner, channel)
    if not _may_see_history(request.user, found.partner):
        raise PermissionDenied
    versions = requirement_versions(found)
    names = NameBook()
    entries = []
    # Oldest first to compare each version with the one before it; shown newest first.
    previous = None
    for version in reversed(versions):
        changes = describe_changes(previous.snapshot if previous else None, version.snapshot, names)
        notes = (version.notes_th, version.notes_en)
        if previous and (previous.notes_th, previous.notes_en) != notes:
            changes.append((_("Notes"), previous.notes or _("none"), version.notes or _("none")))
        entries.append({"version": version, "changes": changes})
        previous = version
    entries.reverse()
    return render(
        request,
        "partners/channel_history.html",
        {"channel": found, "partner": found.partner, "entries": entries},
    )


def _editable_partner(request: HttpRequest, code: str) -> Partner:
    """The partner, if this user may edit it: 404 when there is none, 403 when not theirs."""
    partner = get_object_or_404(Partner, code=code)
    if not can_edit_partner(request.user, partner):
        raise PermissionDenied
    return partner


def _show_errors(exc: ValidationError, *, main, channel_form, rule_forms, preferred_forms) -> None:
    """Put the service's messages beside the fields they are about."""
    for key, messages_ in exc.message_dict.items():
        form, field = main, key
        if key.startswith(("certificate_rules.", "preferred.")):
            group, index, field = key.split(".", 2)
            forms_ = rule_forms if group == "certificate_rules" else preferred_forms
            form = forms_[int(index)] if int(index) < len(forms_) else main
        elif channel_form is not None and key in channel_form.fields:
            form = channel_form
        if field == NON_FIELD_ERRORS or field not in form.fields:
            field = None
        for message in messages_:
            form.add_error(field, message)


def _rule_data(form) -> dict:
    data = form.cleaned_data
    return {
        "mode": data["mode"],
        "certification_types": list(data["certification_types"]),
        "categories": list(data["categories"]) if data.get("conditional") else [],
        "conditional": data.get("conditional", False),
    }


def _preferred_data(form) -> dict:
    data = form.cleaned_data
    return {**data, "provinces": list(data.get("provinces") or [])}


@login_required
@require_http_methods(["GET", "POST"])
def channel_edit(request: HttpRequest, partner: str, channel: str) -> HttpResponse:
    """The channel and its requirement on one page; saving writes a new version."""
    _editable_partner(request, partner)
    found = _channel(partner, channel)
    post = request.POST if request.method == "POST" else None
    channel_form = ChannelForm(post, instance=found, prefix="channel")
    form = RequirementForm(post, instance=found.requirement)
    rules = CertificateRuleFormSet(
        post, prefix="rules", initial=None if post else current_rules(found.requirement)
    )
    preferred = PreferredFormSet(
        post, prefix="preferred", initial=None if post else current_preferred(found.requirement)
    )
    if post is not None and all(
        [channel_form.is_valid(), form.is_valid(), rules.is_valid(), preferred.is_valid()]
    ):
        rule_forms, preferred_forms = filled_forms(rules), filled_forms(preferred)
        requirement_data = {k: v for k, v in form.cleaned_data.items() if k != "change_note"}
        try:
            version = requirement_save(
                channel=found,
                by=request.user,
                note=form.cleaned_data["change_note"],
                channel_data=channel_form.cleaned_data,
                requirement_data=requirement_data,
                certificate_rules=[_rule_data(f) for f in rule_forms],
                preferred=[_preferred_data(f) for f in preferred_forms],
            )
        except ValidationError as exc:
            _show_errors(
                exc,
                main=form,
                channel_form=channel_form,
                rule_forms=rule_forms,
                preferred_forms=preferred_forms,
            )
        else:
            if version is None:
                messages.info(request, _("Nothing changed."))
            else:
                messages.success(
                    request,
                    _("Saved as version %(number)s.") % {"number": version.number},
                )
            return redirect("partners:channel_detail", partner=partner, channel=channel)
    return render(
        request,
        "partners/channel_edit.html",
        {
            "channel": found,
            "partner": found.partner,
            "channel_form": channel_form,
            "form": form,
            "rules": rules,
            "preferred": preferred,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def channel_new(request: HttpRequest, partner: str) -> HttpResponse:
    found = _editable_partner(request, partner)
    form = NewChannelForm(request.POST or None, prefix="channel")
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        code = data.pop("code")
        try:
            channel = channel_create(partner=found, code=code, channel_data=data, by=request.user)
        except ValidationError as exc:
            for key, messages_ in exc.message_dict.items():
                for message in messages_:
                    form.add_error(key if key in form.fields else None, message)
        else:
            messages.success(request, _("Channel added. Now set what it requires."))
            return redirect("partners:channel_edit", partner=partner, channel=channel.code)
    return render(request, "partners/channel_new.html", {"partner": found, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def partner_edit(request: HttpRequest, partner: str) -> HttpResponse:
    found = _editable_partner(request, partner)
    may_set_status = can_set_partner_status(request.user)
    form = PartnerForm(
        request.POST or None, request.FILES or None, instance=found, may_set_status=may_set_status
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        status = data.pop("status", None)
        try:
            with transaction.atomic():
                updated = partner_update(partner=found, data=data, by=request.user)
                if may_set_status and status:
                    partner_set_status(partner=updated, status=status, by=request.user)
        except ValidationError as exc:
            for key, messages_ in exc.message_dict.items():
                for message in messages_:
                    form.add_error(key if key in form.fields else None, message)
        else:
            messages.success(request, _("Partner details saved."))
            return redirect("partners:partner_detail", partner=partner)
    return render(request, "partners/partner_edit.html", {"partner": found, "form": form})
