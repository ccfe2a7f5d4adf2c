"""The clinic's section of the statistics dashboard: its figures with small cells suppressed, as anything
about screenings must be for analysts (sistra.clinic.figures)."""

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from sistra.stats.disclosure import THRESHOLD

from .figures import clinic_figures
from .models import Patient


def clinic_section(user, filters):
    from sistra.stats.dashboard import Block, Section

    year = filters.year_from if filters.year_from and filters.year_from == filters.year_to else None
    figures = clinic_figures(year=year, cached=True)
    if not Patient.objects.exists():
        return Section("clinic", _("Clínica móvil"), [], intro=_("No hay registros de la clínica móvil."))
    blocks = [
        Block(
            code=f"clinic-{i}",
            title=figure.title,
            chart=render_to_string("clinic/_figure.html", {"figure": figure}),
        )
        for i, figure in enumerate(figures)
    ]
    intro = _(
        "Pacientes, consultas, tamizajes y derivaciones de la clínica móvil. Se ocultan (—) las celdas "
        "menores de %(n)s y las que permitirían deducirlas."
    ) % {"n": THRESHOLD}
    if year:
        intro += " " + _("Año %(year)s.") % {"year": year}
    return Section("clinic", _("Clínica móvil"), blocks, intro=intro)
