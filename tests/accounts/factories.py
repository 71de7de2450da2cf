import factory

from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.regions.models import District

PASSWORD = "Correct-Horse-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.OPERATOR
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def district(code: str) -> District:
    """The ten units are reference data loaded by migration; tests use the real ones."""
    return District.objects.get(code=code)
