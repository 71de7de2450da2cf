import factory

from suzhou_childcare.notices.models import Notice


class NoticeFactory(factory.django.DjangoModelFactory):
    """A notice row as `notify` would write it (tests of reading use it; tests of writing call `notify`)."""

    class Meta:
        model = Notice

    kind = "filing.submitted"
    title = factory.Sequence(lambda n: f"托育机构备案已提交 {n}")
    body = "请在规定时限内完成审核。"
    link = "/facilities/1/"
