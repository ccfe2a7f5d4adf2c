"""Printable documents of the pathway, always in Spanish (the referral form goes to another agency whatever the
sender's interface language). WeasyPrint; the templates link nothing external, so nothing is fetched."""

from django.template.loader import render_to_string
from django.utils import translation


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    with translation.override("es-pe"):
        html = render_to_string(template, context)
    return HTML(string=html).write_pdf()
