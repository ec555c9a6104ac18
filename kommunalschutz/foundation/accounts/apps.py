from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kommunalschutz.foundation.accounts"
    label = "accounts"
    verbose_name = "Accounts"
