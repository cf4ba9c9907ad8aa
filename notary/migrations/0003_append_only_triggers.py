"""The journal and the audit log are append-only in the database itself.

PostgreSQL: a row trigger refuses UPDATE and DELETE on both tables (SQLSTATE
42501). TRUNCATE is left to the table owner: Django's test runner flushes
tables with it, and the application's role in production should not own them.

SQLite (the embedded development default): UPDATE is refused by a trigger;
DELETE is not, because Django flushes SQLite tables with DELETE between
transactional tests. The hash chain (``manage.py audit_verify``) still finds
deleted rows on both backends.
"""

from django.db import migrations

TABLES = ("notary_journalentry", "notary_auditevent")

PG_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION notary_refuse_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = '42501';
    END;
    $$ LANGUAGE plpgsql
    """,
    *[
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION notary_refuse_change()"
        for table in TABLES
    ],
]
PG_BACKWARD = [*[f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in TABLES], "DROP FUNCTION IF EXISTS notary_refuse_change()"]

SQLITE_FORWARD = [
    f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END"
    for table in TABLES
]
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS {table}_no_update" for table in TABLES]


def forward(apps, schema_editor):
    statements = {"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    statements = {"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("notary", "0002_load_jurisdictions")]

    operations = [migrations.RunPython(forward, backward)]
