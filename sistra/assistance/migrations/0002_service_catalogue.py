from django.db import migrations


def load(apps, schema_editor):
    from sistra.assistance.catalogue import load_service_types

    load_service_types(apps)


def unload(apps, schema_editor):
    apps.get_model("assistance", "ServiceType").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("assistance", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load, unload),
    ]
