"""PostgreSQL: no two active appointments of one provider with overlapping buffered intervals.

An exclusion constraint over (provider_id WITH =, tstzrange(blocked_start,
blocked_end, '[)') WITH &&) for confirmed appointments, through btree_gist.
The services catch its violation by name (``appointment_no_overlap``) and
answer 409 ``slot_taken``. SQLite has no exclusion constraints: there the
booking service checks and inserts inside one BEGIN IMMEDIATE transaction.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE scheduling_appointment
  ADD CONSTRAINT appointment_no_overlap
  EXCLUDE USING gist (
    provider_id WITH =,
    tstzrange(blocked_start, blocked_end, '[)') WITH &&
  ) WHERE (status = 'confirmed');
"""

DROP = "ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS appointment_no_overlap;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
