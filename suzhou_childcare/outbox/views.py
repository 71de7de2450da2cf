from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors


@login_required
def job_detail(request: HttpRequest, job_id) -> HttpResponse:
    return render(request, "outbox/job_detail.html", {"job": selectors.job_get_for(user=request.user, job_id=job_id)})
