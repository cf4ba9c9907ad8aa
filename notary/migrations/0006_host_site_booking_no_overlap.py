"""PostgreSQL: no two unreleased bookings of one host site overlap (btree_gist exclusion constraint)."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE notary_hostsitebooking
  ADD CONSTRAINT host_site_booking_no_overlap
  EXCLUDE USING gist (host_site_id WITH =, tstzrange(start, "end", '[)') WITH &&)
  WHERE (released_at IS NULL);
"""
DROP = "ALTER TABLE notary_hostsitebooking DROP CONSTRAINT IF EXISTS host_site_booking_no_overlap;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("notary", "0005_host_sites")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
