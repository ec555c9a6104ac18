from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficialsConfig(AppConfig):
    name = "kommunalschutz.surveys.officials"
    label = "officials"
    verbose_name = _("Survey of office and mandate holders")

    def ready(self) -> None:
        from django.utils.translation import pgettext_lazy

        from kommunalschutz.foundation.core.tasks import register_operation
        from kommunalschutz.surveys.officials.letters import LETTERS_OPERATION

        register_operation(LETTERS_OPERATION, "kommunalschutz.surveys.officials.letters:render_letters_operation",
                           pgettext_lazy("operation", "letters of the officials' survey"))
