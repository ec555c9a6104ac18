from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _

from kommunalschutz.foundation.core import commands
from kommunalschutz.foundation.core.audit_display import translate_summary
from kommunalschutz.foundation.core.dbroles import runtime_problems
from kommunalschutz.foundation.core.models import AuditVerification, SiteState


def redis_persistence_problems(client: Any) -> list[str]:
    """Redis holds the anonymous channel's keyed client hashes and their key: they must never reach a disk."""
    try:
        save = client.config_get("save").get("save", "")
        appendonly = client.config_get("appendonly").get("appendonly", "no")
    except Exception as exc:  # CONFIG may be disabled by a hosted Redis
        return [f"Redis persistence cannot be checked ({exc}): make sure it is off (save \"\", appendonly no)."]
    problems = []
    if save:
        problems.append(f"Redis writes snapshots to disk (save \"{save}\"): set save \"\" so that the anonymous "
                        "channel's counters never reach a disk (docs/protection/anonymous-channel.md).")
    if appendonly != "no":
        problems.append("Redis writes an append-only file (appendonly yes): set appendonly no "
                        "(docs/protection/anonymous-channel.md).")
    return problems


class Command(commands.Command):
    help = "Check that this installation is fit for production: Django's deploy checks plus ours."

    def handle(self, *args: Any, **options: Any) -> None:
        problems: list[str] = []
        try:
            call_command("check", deploy=True, fail_level="ERROR", stdout=self.stdout, stderr=self.stderr)
        except CommandError as exc:
            problems.append(str(exc))
        try:
            connection.ensure_connection()
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
            if pending:
                problems.append(_("%(count)s migration(s) not applied: run `kommunalschutz migrate`.")
                                % {"count": len(pending)})
            else:
                state = SiteState.objects.filter(pk=1).first()
                if state is None or state.registry_reference_date is None:
                    problems.append(_("The registry is empty: run `kommunalschutz import-registry`."))
                elif state.demo_loaded_at is not None:
                    problems.append(_("Demo data (with published passwords) is loaded in this database."))
                problems.extend(runtime_problems(connection))
                last = AuditVerification.objects.first()
                if last is not None and not last.intact:
                    problems.append(_("The last audit check found the hash chain broken at row %(row)s: %(problem)s "
                                      "(run `kommunalschutz verify-audit`).")
                                    % {"row": last.broken_id,
                                       "problem": translate_summary(last.problem) or last.problem})
        except Exception as exc:
            problems.append(_("The database cannot be reached: %(error)s") % {"error": exc})
        from django.conf import settings

        if settings.REDIS_URL:
            try:
                import redis

                client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=3)
                client.ping()
            except Exception as exc:
                problems.append(_("Redis at REDIS_URL cannot be reached: %(error)s") % {"error": exc})
            else:
                problems.extend(redis_persistence_problems(client))
        else:
            problems.append(_("REDIS_URL is not set: each web worker counts the anonymous channel's clients on its "
                              "own, so a client gets the limits once per worker "
                              "(docs/protection/anonymous-channel.md)."))
        if problems:
            for problem in problems:
                self.stderr.write(_("PROBLEM: %(problem)s") % {"problem": problem})
            raise CommandError(_("%(count)s problem(s) found.") % {"count": len(problems)})
        self.stdout.write(self.style.SUCCESS(_("Deployment checks passed.")))
