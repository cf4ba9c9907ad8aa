"""Identity numbers: always masked (the per-jurisdiction switch goes), plus a keyed hash for matching.

Rows written while a jurisdiction had masking off held the full number in
``document_number_masked``: they are masked here. Their hash stays empty (the
key in use when they were written is not knowable from the row).
"""

from django.db import migrations, models


def mask_full_numbers(apps, schema_editor):
    from notary.workflow import mask_document_number

    IdentityCheck = apps.get_model("notary", "IdentityCheck")
    for check in IdentityCheck.objects.exclude(document_number_masked__startswith="*").only("pk", "document_number_masked"):
        IdentityCheck.objects.filter(pk=check.pk).update(
            document_number_masked=mask_document_number(check.document_number_masked)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("notary", "0007_purged_at"),
    ]

    operations = [
        migrations.RemoveField(model_name="jurisdiction", name="mask_document_number"),
        migrations.AddField(
            model_name="identitycheck",
            name="document_number_hash",
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
        migrations.RunPython(mask_full_numbers, migrations.RunPython.noop),
    ]
