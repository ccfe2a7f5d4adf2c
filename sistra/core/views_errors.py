"""The CSRF failure page in the site's style and language (Django's default is a bare English page). The reason
Django gives stays in the server log (CsrfViewMiddleware logs it), never on the page."""

from django.shortcuts import render


def csrf_failure(request, reason: str = ""):
    return render(request, "403_csrf.html", status=403)
