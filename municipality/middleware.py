"""Arabic first, everywhere people read pages.

Django's LocaleMiddleware follows the browser's Accept-Language, so a browser
set to English would open the citizen pages, the admin and the committee's
reports in English. Balagh opens them in Arabic unless the visitor chose a
language with the switch (the language cookie). The API keeps the standard
negotiation: a mobile app says which language it wants.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

NEGOTIATED_PREFIXES = ("/api/", "/open311/")


class ArabicFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        if request.path.startswith(NEGOTIATED_PREFIXES):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
