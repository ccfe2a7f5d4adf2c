"""The certificate of a training, in Spanish whatever the interface language (WeasyPrint). It carries the
verification code and the address of the public page where anyone can check it."""

from django.template.loader import render_to_string
from django.utils import translation

from .models import Participant


def render_certificate_pdf(participant: Participant, *, verify_url: str) -> bytes:
    from weasyprint import HTML

    with translation.override("es-pe"):
        html = render_to_string(
            "prevention/certificate_pdf.html",
            {
                "participant": participant,
                "event": participant.event,
                "verify_url": verify_url,
            },
        )
    # no base_url: the template links nothing external, so WeasyPrint fetches nothing
    return HTML(string=html).write_pdf()
