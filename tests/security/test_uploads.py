"""Upload limits: an oversize file is refused with a clear (Chinese) error and nothing is stored, a body too
large for memory or carrying too many files is a 400, never a 500."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from facilities.models import Material
from tests.facilities.factories import PDF, complete_draft

TOO_LARGE = "文件过大"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def oversize_pdf(settings) -> SimpleUploadedFile:
    return SimpleUploadedFile("big.pdf", PDF + b"0" * settings.MATERIAL_MAX_BYTES, content_type="application/pdf")


def test_the_limits_are_set_deliberately(settings):
    # Form data is read into memory up to 2.5 MB; files above that go to a temporary file, never to memory.
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= settings.MATERIAL_MAX_BYTES
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == 10


def test_an_oversize_material_on_the_filing_page_is_refused_next_to_the_field(settings, operator, web_client_for):
    facility = complete_draft(operator, skip=["fire_safety"])
    before = Material.objects.count()

    response = web_client_for(operator).post(
        f"/facilities/{facility.pk}/file/materials/", {"kind": "fire_safety", "file": oversize_pdf(settings)}
    )

    assert response.status_code == 400
    errors = response.context["form"].errors["file"]
    assert any(TOO_LARGE in error for error in errors)
    assert TOO_LARGE in response.content.decode()
    assert Material.objects.count() == before


def test_an_oversize_material_through_the_api_is_a_400_with_the_field_named(settings, operator, api_client_for):
    facility = complete_draft(operator)
    before = Material.objects.count()

    response = api_client_for(operator).post(
        f"/api/v1/facilities/{facility.pk}/materials/",
        {"kind": "other", "file": oversize_pdf(settings), "expires_on": "2030-01-01"},
        format="multipart",
    )

    assert response.status_code == 400
    assert any(TOO_LARGE in message for message in response.json()["fields"]["file"])
    assert Material.objects.count() == before


def test_a_form_body_beyond_the_memory_limit_is_a_400_not_a_500(settings, db):
    response = Client(REMOTE_ADDR="10.7.0.1").post(
        "/public/complaints/",
        {"district": "320508", "subject": "x", "description": "长" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2)},
    )
    assert response.status_code == 400


def test_a_request_with_too_many_files_is_a_400_and_stores_nothing(operator, web_client_for):
    facility = complete_draft(operator, skip=["fire_safety"])
    before = Material.objects.count()
    files = [SimpleUploadedFile(f"f{n}.pdf", PDF, content_type="application/pdf") for n in range(11)]

    response = web_client_for(operator).post(
        f"/facilities/{facility.pk}/file/materials/", {"kind": "fire_safety", "file": files}
    )

    assert response.status_code == 400
    assert Material.objects.count() == before
