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
