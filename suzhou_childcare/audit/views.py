from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors


@login_required
def object_history(request: HttpRequest, label: str, object_id: str) -> HttpResponse:
    obj, entries = selectors.audit_history_for(user=request.user, label=label, object_id=object_id)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    rows = [(entry, selectors.changed_fields(entry)) for entry in page.object_list]
    return render(request, "audit/history.html", {"object": obj, "page": page, "rows": rows})


@login_required
def chain_status(request: HttpRequest) -> HttpResponse:
    """Read-only: how much of the trail is sealed, and what the last `verify_audit` found."""
    status = selectors.audit_chain_status_for(user=request.user)
    return render(request, "audit/chain_status.html", {"status": status})
