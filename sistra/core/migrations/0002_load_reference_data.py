from django.db import migrations

from sistra.core import reference


def load_reference_data(apps, schema_editor):
    reference.load_all(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load_reference_data, migrations.RunPython.noop),
    ]
