from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.test import override_settings

from kommunalschutz.foundation.core import encryption
from kommunalschutz.foundation.core.encryption import DecryptionError, EncryptedTextField


def test_field_stores_ciphertext_and_reads_plaintext() -> None:
    field = EncryptedTextField()
    stored = field.get_prep_value("Drohbrief an die Bürgermeisterin")
    assert "Drohbrief" not in stored
    assert field.from_db_value(stored, None, None) == "Drohbrief an die Bürgermeisterin"
    assert field.get_prep_value(None) is None


def test_old_values_stay_readable_after_a_new_key_is_put_first_and_rotate_moves_them() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[old]):
        token = encryption.encrypt_bytes(b"secret")
    with override_settings(FIELD_ENCRYPTION_KEYS=[new, old]):
        assert encryption.decrypt_bytes(token) == b"secret"
        rotated = encryption.rotate_token(token)
    with override_settings(FIELD_ENCRYPTION_KEYS=[new]):
        assert encryption.decrypt_bytes(rotated) == b"secret"
        with pytest.raises(DecryptionError):
            encryption.decrypt_bytes(token)


@pytest.mark.django_db
def test_rotate_keys_command_runs_and_is_audited() -> None:
    from django.core.management import call_command

    from kommunalschutz.foundation.core.models import AuditEvent

    call_command("rotate_keys")
    assert AuditEvent.objects.filter(object_type="core.encryption").count() == 1
