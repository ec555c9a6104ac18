from django.apps import AppConfig


class OnlineHateConfig(AppConfig):
    name = "kommunalschutz.protection.onlinehate"
    label = "onlinehate"
    verbose_name = "Online hate"

    def ready(self) -> None:
        from kommunalschutz.protection.cases import hooks
        from kommunalschutz.protection.evidence import package, store
        from kommunalschutz.protection.onlinehate import package as triage_package
        from kommunalschutz.protection.onlinehate import services

        # Evidence and cases import nothing of this app: it hangs itself on them (decisions 0010 and 0043).
        hooks.register_before_case_deletion("online-content imports", services.delete_case_imports)
        store.register_stored_names("online-content imports", services.stored_names)
        package.register_package_contributor("online-hate triage", triage_package.annotate)
