# Art. 129-M showed "(denominación por verificar)" on every list: its name is not confirmed in the loaded
# sources (SOURCES.md), so it carries a neutral title until the legal staff confirm it. Data only.
from django.db import migrations

OLD = "Art. 129-M (denominación por verificar)"


def neutral_title(apps, schema_editor):
    PenalArticle = apps.get_model("core", "PenalArticle")
    PenalArticle.objects.filter(code="CP-129-M-L31146", title_es=OLD).update(
        title_es="Artículo 129-M del Código Penal", title_en="Article 129-M of the Penal Code"
    )


def previous_title(apps, schema_editor):
    PenalArticle = apps.get_model("core", "PenalArticle")
    PenalArticle.objects.filter(code="CP-129-M-L31146").update(title_es=OLD, title_en="Art. 129-M (title to be verified)")


class Migration(migrations.Migration):
    dependencies = [("core", "0004_reload_procedural_stages")]

    operations = [migrations.RunPython(neutral_title, previous_title)]
