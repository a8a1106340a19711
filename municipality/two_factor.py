"""Two-factor sign-in (TOTP, django-otp) for the roles that see or change the most.

Administrators, the follow-up committee, the mayor and department heads must type a
code from an authenticator app after their password (``BALAGH_2FA_REQUIRED``, on in
production). The first time, they scan a QR code and receive ten recovery codes, each
usable once, for a lost phone. Until verified, such a user reaches only these pages
and "log out". Wrong codes are limited per user (django-otp also slows each device).
"""

from __future__ import annotations

import secrets
from base64 import b32encode
from urllib.parse import quote

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from municipality import ratelimit
from municipality.models import RecoveryCode, RecoveryDevice, Role, recovery_code_hash
from municipality.roles import role_of

TWO_FACTOR_ROLES = frozenset({Role.ADMIN, Role.COMMITTEE, Role.MAYOR, Role.HEAD})
RECOVERY_CODES = 10
RECOVERY_CODE_BYTES = 5  # 8 characters of base 32: 40 bits, one-use, and guesses are limited
WRONG_CODES_LIMIT = 10
WRONG_CODES_WINDOW = 15 * 60
EXEMPT_PREFIXES = ("/account/2fa/", "/admin/logout/", "/admin/login/", "/static/", "/i18n/", "/jsi18n/", "/healthz")


def _verified(user) -> bool:
    """django-otp's OTPMiddleware gives the request's user ``is_verified()``."""
    return bool(getattr(user, "is_verified", lambda: False)())


def needs_two_factor(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and role_of(user) in TWO_FACTOR_ROLES


class TwoFactorRequiredMiddleware:
    """Sends a signed-in user of a two-factor role to the code page until they typed a code."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.BALAGH_2FA_REQUIRED
            and needs_two_factor(user)
            and not _verified(user)
            and not request.path.startswith(EXEMPT_PREFIXES)
        ):
            return redirect(f"{reverse('two_factor:verify')}?next={quote(request.get_full_path())}")
        return self.get_response(request)


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return reverse("admin:index")
    return target


def recovery_codes_issue(*, user) -> list[str]:
    """Replace the user's recovery codes with ten new ones: shown once, kept only as keyed hashes."""
    codes = [b32encode(secrets.token_bytes(RECOVERY_CODE_BYTES)).decode().lower() for _i in range(RECOVERY_CODES)]
    with transaction.atomic():
        device, _created = RecoveryDevice.objects.get_or_create(user=user, name="recovery", defaults={"confirmed": True})
        device.codes.all().delete()
        RecoveryCode.objects.bulk_create([RecoveryCode(device=device, code_hash=recovery_code_hash(code)) for code in codes])
    return codes


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The code from the authenticator app (or a recovery code) after the password."""
    if not user_has_device(request.user):
        return redirect(f"{reverse('two_factor:setup')}?next={quote(_next(request))}")
    error = ""
    if request.method == "POST":
        key = f"balagh:2fa:wrong:{request.user.pk}"
        if ratelimit.is_over({key: WRONG_CODES_LIMIT}):
            error = _("Too many wrong codes. Wait 15 minutes and try again.")
        else:
            device = match_token(request.user, (request.POST.get("code") or "").strip().replace(" ", ""))
            if device is not None:
                otp_login(request, device)
                return redirect(_next(request))
            ratelimit.hit(key, window=WRONG_CODES_WINDOW)
            error = _("This code is not right. Type the 6 digits your app shows now, or one recovery code.")
    return render(request, "admin/two_factor/verify.html", {"error": error, "next": _next(request)}, status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """First sign-in: scan the QR code, type one code to prove it works, then keep the recovery codes."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(f"{reverse('two_factor:verify')}?next={quote(_next(request))}")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="authenticator", confirmed=False)
    error = ""
    if request.method == "POST":
        if device.verify_token((request.POST.get("code") or "").strip().replace(" ", "")):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            codes = recovery_codes_issue(user=request.user)
            return render(request, "admin/two_factor/recovery_codes.html", {"codes": codes, "next": _next(request)})
        error = _("This code is not right. Type the 6 digits your app shows now.")
    context = {
        "qr": segno.make(device.config_url, error="m").svg_inline(scale=4),
        "secret": b32encode(device.bin_key).decode(),
        "error": error,
        "next": _next(request),
    }
    return render(request, "admin/two_factor/setup.html", context, status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def new_recovery_codes(request: HttpRequest) -> HttpResponse:
    """How many recovery codes are left, and new ones on request (the old ones stop working); only after a code this session."""
    if not _verified(request.user):
        return redirect(reverse("two_factor:verify"))
    if request.method == "POST":
        return render(request, "admin/two_factor/recovery_codes.html", {"codes": recovery_codes_issue(user=request.user)})
    left = RecoveryCode.objects.filter(device__in=RecoveryDevice.objects.filter(user_id=request.user.pk)).count()
    return render(request, "admin/two_factor/recovery_codes_left.html", {"left": left})


app_name = "two_factor"
urlpatterns = [
    path("verify/", verify, name="verify"),
    path("setup/", setup, name="setup"),
    path("recovery-codes/", new_recovery_codes, name="recovery_codes"),
]
