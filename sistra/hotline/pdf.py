"""The printable report to the police, in Spanish whatever the sender's interface language (WeasyPrint)."""

from django.template.loader import render_to_string
from django.utils import translation

from .models import PoliceReport


def render_report_pdf(report: PoliceReport) -> bytes:
    from weasyprint import HTML

    contact = report.contact
    with translation.override("es-pe"):
        html = render_to_string("hotline/report_pdf.html", {
            "report": report, "contact": contact,
            "notifications": list(contact.police_notifications.select_related("unit")),
        })
    # no base_url: the template links nothing external, so WeasyPrint fetches nothing
    return HTML(string=html).write_pdf()
