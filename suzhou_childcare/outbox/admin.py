from django.contrib import admin

from suzhou_childcare.admin import ReadOnlyAdmin

from .models import Job, OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("task_name", "status", "created_at", "sent_at", "send_attempts", "run_attempts")
    list_filter = ("status", "task_name")


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "owner", "status", "done", "total", "created_at")
    list_filter = ("status", "kind")
