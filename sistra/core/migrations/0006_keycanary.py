from django.db import migrations, models


def write(apps, schema_editor):
    from sistra.core.crypto import write_canary

    write_canary(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("core", "0005_penal_article_129m_title")]

    operations = [
        migrations.CreateModel(
            name="KeyCanary",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.TextField()),
            ],
            options={"verbose_name": "comprobante de claves", "verbose_name_plural": "comprobantes de claves"},
        ),
        migrations.RunPython(write, migrations.RunPython.noop),
    ]
