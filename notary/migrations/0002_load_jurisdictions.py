"""Load the shipped jurisdiction rules (China's overseas programme, a US RULONA profile)."""

from django.db import migrations


def load(apps, schema_editor):
    from notary.rules import jurisdictions_load

    jurisdictions_load(apps=apps)


class Migration(migrations.Migration):
    dependencies = [("notary", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
