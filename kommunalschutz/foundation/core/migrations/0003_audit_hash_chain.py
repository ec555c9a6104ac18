"""The audit trail's hash chain (decision 0015): the append-only seal table, its triggers, the existing
audit rows chained in id order, and the table of verification results.

The seal of an audit event is a row of its own (``core_auditseal``), so that neither table ever needs an
UPDATE: the application's runtime role gets INSERT and SELECT on both and nothing else (core.dbroles). On
PostgreSQL a trigger refuses UPDATE and DELETE on the seal table for every role, as migration 0002's does
on the audit table; SQLite gets a trigger refusing UPDATE (DELETE stays possible there, see 0002). The
role separation keeps the runtime role from disabling them; the chain makes any change by the owner
visible to ``kommunalschutz verify-audit``.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from kommunalschutz.foundation.core import chain

PG_FORWARD = """
CREATE OR REPLACE FUNCTION core_auditseal_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'core_auditseal is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditseal_no_update_delete
    BEFORE UPDATE OR DELETE ON core_auditseal
    FOR EACH ROW EXECUTE FUNCTION core_auditseal_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS core_auditseal_no_update_delete ON core_auditseal;
DROP FUNCTION IF EXISTS core_auditseal_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER core_auditseal_no_update BEFORE UPDATE ON core_auditseal
BEGIN SELECT RAISE(ABORT, 'core_auditseal is append-only (UPDATE refused)'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS core_auditseal_no_update;"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


def chain_existing_rows(apps, schema_editor):
    chain.seal_pending(using=schema_editor.connection.alias, event_model=apps.get_model("core", "AuditEvent"),
                       seal_model=apps.get_model("core", "AuditSeal"))


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
                ('late', models.PositiveIntegerField(default=0)),
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
        migrations.CreateModel(
            name='AuditSeal',
            fields=[
                ('seq', models.BigIntegerField(primary_key=True, serialize=False)),
                ('prev_hash', models.CharField(max_length=64)),
                ('hash', models.CharField(max_length=64)),
                ('sealed_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('event', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='seal', to='core.auditevent')),
            ],
            options={
                'verbose_name': 'audit seal',
                'verbose_name_plural': 'audit seals',
                'ordering': ['seq'],
            },
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='actor',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(forward, backward),
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
    ]
