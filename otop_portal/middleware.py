from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ThaiFirstLocaleMiddleware(LocaleMiddleware):
    """Thai unless the reader chose otherwise.

    Django's LocaleMiddleware would follow the browser's Accept-Language, and many Thai
    producers' phones are set to English. Here the language comes from the reader's own choice
    (the language cookie set by the switch on every page), then Thai.

    API clients (partners' listing systems) cannot click the switch, so under /api/ an
    Accept-Language header is honoured too.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        if chosen not in supported and request.path.startswith("/api/"):
            chosen = translation.get_language_from_request(request)
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class RefusedAccountMiddleware:
    """Ends the session of an account that may no longer be used (otop_portal.access: a demo
    account with DEBUG off, a member of a partner that left the MOU), with the reason: a page
    sends the reader to the login page with it, an API call is answered 403 with it as
    `detail`. Placed after AuthenticationMiddleware (and the messages middleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.contrib import messages
        from django.contrib.auth import logout
        from django.http import JsonResponse
        from django.shortcuts import redirect

        from otop_portal.access import account_refusal

        reason = account_refusal(getattr(request, "user", None))
        if reason is None:
            return self.get_response(request)
        logout(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": reason}, status=403)
        messages.error(request, reason)
        return redirect("account_login")
