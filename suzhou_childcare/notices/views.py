"""The user's notices: the list (with "mark all read"), and opening one (marks it read, follows its link)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import selectors, services

PAGE_SIZE = 30


@login_required
@require_http_methods(["GET", "POST"])
def notice_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        count = services.notice_mark_all_read(user=request.user)
        if count:
            messages.success(request, _("All notices have been marked read."))
        return redirect("notices:list")
    page = Paginator(selectors.notice_list_for(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notices/notice_list.html", {"page": page, "notices": page.object_list})


@login_required
@require_http_methods(["GET", "POST"])
def notice_open(request: HttpRequest, pk: int) -> HttpResponse:
    """GET too, so a plain link on the list (or in an e-mail) opens the notice in one click."""
    notice = selectors.notice_get_for(user=request.user, pk=pk)
    services.notice_mark_read(user=request.user, notice=notice)
    # The service only stores portal paths; checked again here because the redirect is the risky step.
    if (
        notice.link
        and services.is_portal_path(notice.link)
        and url_has_allowed_host_and_scheme(
            notice.link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return redirect(notice.link)
    return redirect("notices:list")
