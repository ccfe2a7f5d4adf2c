"""Reload the procedural stages from core/data/procedural_stages.csv: the complex-case and organised-crime
terms in months and the NCPP transitions that were missing (proceso inmediato, terminación anticipada not
approved, archivo ordered to be formalised)."""

from django.db import migrations

from sistra.core import reference


def reload_stages(apps, schema_editor):
    reference.load_stages(apps.get_model("core", "ProceduralStage"))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_stage_terms_in_months"),
    ]

    operations = [
        migrations.RunPython(reload_stages, migrations.RunPython.noop),
    ]
