"""The audit trail's hash chain (decision 0015): seal columns, the triggers that allow sealing once and
nothing else, existing rows chained in id order, and the table of verification results.

On PostgreSQL the trigger function allows one UPDATE per row: from unsealed to sealed, every other
column unchanged; INSERT must leave the seal empty. SQLite gets the same rules as triggers (DELETE stays
possible there, see 0002). Role separation (docs/deployment.md) keeps the runtime role from disabling
them; the chain makes any change by the owner visible to ``kommunalschutz verify-audit``.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from kommunalschutz.foundation.core import chain

PG_FORWARD = """
CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.seq IS NOT NULL OR NEW.hash <> '' OR NEW.prev_hash <> '' THEN
            RAISE EXCEPTION 'core_auditevent rows are inserted unsealed'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    -- The one change allowed: sealing an unsealed row, everything else as it was.
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND OLD.hash = '' AND NEW.seq IS NOT NULL
       AND length(NEW.hash) = 64 AND length(NEW.prev_hash) = 64
       AND (to_jsonb(NEW) - 'seq' - 'prev_hash' - 'hash') = (to_jsonb(OLD) - 'seq' - 'prev_hash' - 'hash') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'core_auditevent is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS core_auditevent_insert_unsealed ON core_auditevent;
CREATE TRIGGER core_auditevent_insert_unsealed
    BEFORE INSERT ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS core_auditevent_insert_unsealed ON core_auditevent;
CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'core_auditevent is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""
_UNCHANGED = " AND ".join(f"NEW.{name} IS OLD.{name}" for name in chain.CHAINED_FIELDS)
SQLITE_FORWARD = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_update",
    f"""CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
    WHEN NOT (OLD.seq IS NULL AND OLD.hash = '' AND NEW.seq IS NOT NULL AND length(NEW.hash) = 64
              AND length(NEW.prev_hash) = 64 AND {_UNCHANGED})
    BEGIN SELECT RAISE(ABORT, 'core_auditevent is append-only (UPDATE refused)'); END""",
    "DROP TRIGGER IF EXISTS core_auditevent_insert_unsealed",
    """CREATE TRIGGER core_auditevent_insert_unsealed BEFORE INSERT ON core_auditevent
    WHEN NEW.seq IS NOT NULL OR NEW.hash <> '' OR NEW.prev_hash <> ''
    BEGIN SELECT RAISE(ABORT, 'core_auditevent rows are inserted unsealed'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS core_auditevent_insert_unsealed",
    "DROP TRIGGER IF EXISTS core_auditevent_no_update",
    """CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
    BEGIN SELECT RAISE(ABORT, 'core_auditevent is append-only (UPDATE refused)'); END""",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


def chain_existing_rows(apps, schema_editor):
    chain.seal_pending(using=schema_editor.connection.alias, model=apps.get_model("core", "AuditEvent"))


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0002_audit_append_only_and_cache'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditVerification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('checked_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('intact', models.BooleanField()),
                ('checked', models.PositiveBigIntegerField(default=0)),
                ('head_seq', models.BigIntegerField(blank=True, null=True)),
                ('head_hash', models.CharField(blank=True, max_length=64)),
                ('sealed', models.PositiveIntegerField(default=0)),
                ('broken_id', models.BigIntegerField(blank=True, null=True)),
                ('broken_seq', models.BigIntegerField(blank=True, null=True)),
                ('broken_at', models.DateTimeField(blank=True, null=True)),
                ('kind', models.CharField(blank=True, choices=[('', 'none'), ('missing', 'rows are missing from the chain'), ('link', 'the link to the previous row does not match'), ('content', 'the content of a row no longer matches its hash'), ('truncated', 'rows were removed from the end of the chain'), ('anchor', 'a row checked earlier was replaced')], default='', max_length=20)),
                ('problem', models.CharField(blank=True, max_length=500)),
            ],
            options={
                'verbose_name': 'audit verification',
                'verbose_name_plural': 'audit verifications',
                'ordering': ['-checked_at', '-id'],
            },
        ),
        migrations.AddField(
            model_name='auditevent',
            name='hash',
            field=models.CharField(blank=True, default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='prev_hash',
            field=models.CharField(blank=True, default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='seq',
            field=models.BigIntegerField(blank=True, editable=False, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='actor',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(forward, backward),
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
    ]
