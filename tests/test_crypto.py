"""Personal data: encrypted at rest, found by keyed hash, masked, re-encrypted on key rotation."""

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from suzhou_childcare.accounts.models import User
from suzhou_childcare.accounts.rekey import personal_data_rekey_run
from suzhou_childcare.accounts.services import account_set_id_number, accounts_with_id_number
from suzhou_childcare.crypto import blind_index, is_under_primary_key, mask_identifier
from suzhou_childcare.errors import ValidationFailed
from suzhou_childcare.outbox.services import job_create

ID = "11010519491231002X"


def stored_ciphertext(user) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM accounts_user WHERE id = %s", [user.pk])
        return cursor.fetchone()[0]


def test_mask_keeps_four_and_four():
    assert mask_identifier("320502199001011234") == "3205**********1234"
    assert mask_identifier(ID) == "1101**********002X"
    assert mask_identifier("1234") == "****"
    assert mask_identifier("") == ""


def test_the_database_holds_only_ciphertext(gusu_officer):
    account_set_id_number(actor=None, user=gusu_officer, id_number=ID.lower())
    raw = stored_ciphertext(gusu_officer)
    assert ID not in raw and "19491231" not in raw
    assert User.objects.get(pk=gusu_officer.pk).id_number == ID  # normalised to upper case


def test_equal_numbers_have_different_ciphertexts_but_are_found_by_the_keyed_hash(gusu_officer, wujiang_officer):
    account_set_id_number(actor=None, user=gusu_officer, id_number=ID)
    account_set_id_number(actor=None, user=wujiang_officer, id_number=ID)
    assert stored_ciphertext(gusu_officer) != stored_ciphertext(wujiang_officer)
    assert set(accounts_with_id_number(ID)) == {gusu_officer, wujiang_officer}


def test_the_keyed_hash_depends_on_the_key(settings):
    first = blind_index(ID, purpose="cn_ric")
    settings.BLIND_INDEX_KEY = "another-key"
    assert blind_index(ID, purpose="cn_ric") != first


@pytest.mark.parametrize("bad", ["110105194912310021", "1101051949123100", "abc"])
def test_an_invalid_id_number_is_refused_with_its_clause(gusu_officer, bad):
    with pytest.raises(ValidationFailed) as info:
        account_set_id_number(actor=None, user=gusu_officer, id_number=bad)
    assert info.value.clause == "GB 11643-1999"
    assert "id_number" in info.value.fields


def test_key_rotation_re_encrypts_under_the_new_key(settings, gusu_officer, city_admin):
    account_set_id_number(actor=None, user=gusu_officer, id_number=ID)
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *old_keys]
    assert not is_under_primary_key(stored_ciphertext(gusu_officer))
    job = job_create(kind="personal_data_rekey", title="t", owner=city_admin)
    result = personal_data_rekey_run(job_id=str(job.id))
    assert result["rewritten"] == 1
    assert is_under_primary_key(stored_ciphertext(gusu_officer))
    # The old keys can now be dropped: the value still reads.
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:1]
    assert User.objects.get(pk=gusu_officer.pk).id_number == ID
    # Running it again changes nothing.
    assert personal_data_rekey_run(job_id=str(job.id))["rewritten"] == 0


def test_mask_with_nothing_kept_at_the_end_hides_the_end():
    assert mask_identifier("王小明", keep_start=1, keep_end=0) == "王**"
