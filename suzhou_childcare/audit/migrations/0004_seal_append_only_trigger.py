"""On PostgreSQL the database itself refuses UPDATE and DELETE on audit seals, as on audit entries (0002).

TRUNCATE is left alone on purpose: it fires no row trigger, and the test runner empties tables with it. Only the
table owner or a superuser can truncate, and `verify_audit` reports a chain that lost its tail against the head
hash it prints.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_seal_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit seals are append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_seal_append_only
    BEFORE UPDATE OR DELETE ON audit_auditseal
    FOR EACH ROW EXECUTE FUNCTION audit_seal_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_seal_append_only ON audit_auditseal;
DROP FUNCTION IF EXISTS audit_seal_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_seal")]

    operations = [migrations.RunPython(create, drop)]
