from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import DatabaseError, connections
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language

from otop_portal import backends
from otop_portal.forms import AcceptInvitationForm, InvitationForm, NotificationSettingsForm
from otop_portal.http import safe_next
from otop_portal.models import Invitation, Role, User, partner_model
from otop_portal.notifications import notification_settings_update, notifications_mark_read
from otop_portal.roles import can_invite, home_url_for, role_required
from otop_portal.selectors import invitations_visible_to, notification_list
from otop_portal.services import invitation_accept, invitation_create, invitation_revoke

log = logging.getLogger(__name__)


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    partners = partner_model().objects.order_by("name_en")
    return render(request, "otop_portal/landing.html", {"partners": partners})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """After login every role lands on its own home page."""
    return redirect(home_url_for(request.user))


def database_is_up(alias: str = "default") -> bool:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        log.exception("healthz: database %s unreachable", alias)
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    ok = database_is_up()
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", "database": "ok" if ok else "unreachable"},
        status=200 if ok else 503,
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, remembering the choice on the account for emails."""
    response = django_set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(User._meta.get_field("language").choices):
        User.objects.filter(pk=request.user.pk).update(language=language)
    return response


@role_required(Role.ADMIN)
def admin_home(request: HttpRequest) -> HttpResponse:
    by_role = dict(User.objects.values_list("role").annotate(n=Count("id")).order_by())
    counts = [(label, by_role.get(code, 0)) for code, label in Role.choices]
    pending = Invitation.objects.pending().count()
    return render(
        request, "otop_portal/admin_home.html", {"counts": counts, "pending_invitations": pending}
    )


@login_required
@require_http_methods(["GET", "POST"])
def invitation_list(request: HttpRequest) -> HttpResponse:
    if not can_invite(request.user):
        raise PermissionDenied
    form = InvitationForm(request.POST or None, inviter=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = invitation_create(
                invited_by=request.user,
                email=data["email"],
                role=data["role"],
                full_name=data["full_name"],
                language=data["language"],
                provinces=list(data.get("provinces") or []),
                is_national_officer=data.get("is_national_officer", False),
                partner=data.get("partner"),
                is_partner_admin=data.get("is_partner_admin", False),
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("invitation_list")
    invitations = invitations_visible_to(request.user)[:200]
    return render(
        request, "otop_portal/invitation_list.html", {"form": form, "invitations": invitations}
    )


@login_required
@require_POST
def invitation_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    if not can_invite(request.user):
        raise PermissionDenied
    invitation = get_object_or_404(invitations_visible_to(request.user), pk=pk)
    try:
        invitation_revoke(invitation=invitation, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Invitation withdrawn."))
    return redirect("invitation_list")


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    invitation = Invitation.find_by_token(token)
    if invitation is None or invitation.status != "pending":
        status = invitation.status if invitation else "invalid"
        return render(
            request, "otop_portal/invitation_invalid.html", {"status": status}, status=410
        )
    if request.user.is_authenticated:
        messages.info(request, _("Log out first to accept an invitation for another account."))
        return redirect("home")
    form = AcceptInvitationForm(
        request.POST or None, email=invitation.email, initial={"full_name": invitation.full_name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                token=token,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            login(request, user, backend=backends.PATH)
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect(home_url_for(user))
    return render(
        request, "otop_portal/invitation_accept.html", {"form": form, "invitation": invitation}
    )


# --- Notifications ------------------------------------------------------------------------------

NOTIFICATIONS_PER_PAGE = 25


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    """All of the reader's notifications, the newest first."""
    page = Paginator(notification_list(request.user), NOTIFICATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "otop_portal/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark all the reader's notifications read, or the one posted as `id`; only their own (an
    id of someone else's is not found)."""
    raw_id = request.POST.get("id", "").strip()
    notification_id = None
    if raw_id:
        if not raw_id.isdigit():
            raise Http404
        notification_id = int(raw_id)
    changed = notifications_mark_read(user=request.user, notification_id=notification_id)
    if notification_id is not None and not changed:
        if not request.user.notifications.filter(pk=notification_id).exists():
            raise Http404
    elif notification_id is None and changed:
        messages.success(request, _("All notifications marked as read."))
    return redirect(safe_next(request, reverse("notifications")))


@role_required(Role.PARTNER)
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    """A partner member chooses how new referrals reach them: one email each, or a daily
    digest. Other roles have nothing to choose here (403)."""
    form = NotificationSettingsForm(
        request.POST or None, initial={"referral_emails": request.user.referral_emails}
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                notification_settings_update(
                    user=request.user, referral_emails=form.cleaned_data["referral_emails"]
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("Your notification settings are saved."))
                return redirect("notification_settings")
        messages.error(request, _("Your settings were not saved: please check the form."))
    return render(request, "otop_portal/notification_settings.html", {"form": form})
