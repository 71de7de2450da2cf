from django.db.models import QuerySet

from suzhou_childcare.accounts.models import Role
from suzhou_childcare.errors import NotFound

from .models import Job


def job_list_for(*, user) -> QuerySet[Job]:
    """A user's own jobs; the city admin sees everyone's."""
    qs = Job.objects.select_related("owner")
    if user.role == Role.CITY_ADMIN:
        return qs
    return qs.filter(owner=user)


def job_get_for(*, user, job_id) -> Job:
    job = job_list_for(user=user).filter(id=job_id).first()
    if job is None:
        raise NotFound
    return job
