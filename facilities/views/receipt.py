"""The filing receipt (备案回执): a printable page the unit issues when it records a filing.

Its QR code links to the public verification page, so whoever holds the paper can check that the filing
exists and see its current state (a cancelled filing verifies as cancelled).
"""

from __future__ import annotations

import qrcode
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from qrcode.image.svg import SvgPathImage

from suzhou_childcare.errors import NotFound

from .. import selectors
from ..models import Facility
from ..services.lifecycle import CLAUSE, IN_FORCE


def qr_svg(data: str) -> SafeString:
    """`data` as an inline SVG QR code (pure Python: no Pillow), sized in millimetres for print."""
    image = qrcode.make(data, image_factory=SvgPathImage, error_correction=qrcode.constants.ERROR_CORRECT_M)
    # Safe: the markup is the library's own; `data` is encoded as path geometry, never emitted as text.
    return mark_safe(image.to_string(encoding="unicode"))  # noqa: S308


@login_required
def filing_receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """Operator of the facility, the unit's officers and inspectors, the city; everyone else gets a 404."""
    facility = selectors.facility_get_for(user=request.user, pk=pk)
    if not facility.filing_number:
        raise NotFound(_("This facility has no filing number yet; the receipt is issued when the unit records it."))
    verify_url = request.build_absolute_uri(reverse("verify:detail", args=[facility.filing_number]))
    labels = {
        field: Facility._meta.get_field(field).verbose_name
        for field in ("filing_number", "name", "district", "registration_route", "uscc", "address", "slots", "filed_on")
    }
    context = {
        "facility": facility,
        "labels": labels,
        "clause": CLAUSE,
        "in_force": facility.filing_status in IN_FORCE,
        "verify_url": verify_url,
        "qr_svg": qr_svg(verify_url),
    }
    return render(request, "facilities/receipt.html", context)
