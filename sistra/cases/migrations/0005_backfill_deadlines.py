"""Fill the stored deadline of every case that is in a stage with a legal term (the same rule the services
keep it with), and name as prosecutor in charge the prosecutor of the fiscalía who registered the case."""

from django.db import migrations

from sistra.core.selectors import stage_term

BATCH = 2000


def backfill(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    ProceduralStage = apps.get_model("core", "ProceduralStage")
    stages = {s.code: s for s in ProceduralStage.objects.all()}
    with_term = [code for code, s in stages.items()
                 if s.deadline_days or s.deadline_months_complex or s.deadline_months_organized]
    batch = []
    for case in Case.objects.filter(current_stage_id__in=with_term).only(
            "pk", "current_stage_id", "stage_started_on", "is_complex", "is_organized_crime").iterator(BATCH):
        term = stage_term(stages[case.current_stage_id], started_on=case.stage_started_on,
                          is_complex=case.is_complex, is_organized=case.is_organized_crime)
        case.next_deadline_on = term.due if term else None
        case.next_deadline_kind = term.kind if term else ""
        batch.append(case)
        if len(batch) >= BATCH:
            Case.objects.bulk_update(batch, ["next_deadline_on", "next_deadline_kind"])
            batch = []
    if batch:
        Case.objects.bulk_update(batch, ["next_deadline_on", "next_deadline_kind"])
    User = apps.get_model("accounts", "User")
    prosecutors = User.objects.filter(role="prosecutor", is_active=True)
    for user in prosecutors.only("pk", "agency_id").iterator():
        Case.objects.filter(created_by=user, fiscalia_id=user.agency_id, prosecutor__isnull=True).update(
            prosecutor=user)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_deadlines_transfer_and_exceptions"),
        ("core", "0004_reload_procedural_stages"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
