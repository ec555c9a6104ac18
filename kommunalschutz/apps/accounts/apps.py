from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kommunalschutz.apps.accounts"
    label = "accounts"
    verbose_name = "Accounts"
