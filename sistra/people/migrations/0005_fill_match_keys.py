from django.db import migrations


def fill(apps, schema_editor):
    from sistra.people.matching.compare import blocking_keys, features

    Person = apps.get_model("people", "Person")
    PersonMatchKey = apps.get_model("people", "PersonMatchKey")
    batch = []
    for person in Person.objects.prefetch_related("documents").iterator(chunk_size=2000):
        dni = next((d.number for d in person.documents.all() if d.kind == "dni"), "")
        f = features(first_names=person.first_names, last_name_paternal=person.last_name_paternal,
                     last_name_maternal=person.last_name_maternal, sex=person.sex,
                     date_of_birth=person.date_of_birth, estimated_age=person.estimated_age,
                     age_estimated_on=person.age_estimated_on, dni=dni)
        batch.extend(PersonMatchKey(person_id=person.pk, key=k) for k in blocking_keys(f))
        if len(batch) > 20000:
            PersonMatchKey.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    PersonMatchKey.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("people", "0004_match_keys_and_documents")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
