"""`manage.py create_account USERNAME --role ROLE [--district CODE]`; password from ACCOUNT_PASSWORD or a prompt."""

import getpass
import os

from django.core.management.base import BaseCommand, CommandError

from suzhou_childcare.accounts.models import Role
from suzhou_childcare.accounts.services import account_create
from suzhou_childcare.errors import ApplicationError
from suzhou_childcare.regions.models import District


class Command(BaseCommand):
    help = "Create a portal account. The password is read from ACCOUNT_PASSWORD or prompted, never an argument."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--district", help="county-level unit code, e.g. 320508")
        parser.add_argument("--citywide", action="store_true", help="inspector of the city-wide institute")
        parser.add_argument("--organisation", default="")
        parser.add_argument("--name", default="", help="full name")
        parser.add_argument("--email", default="")

    def handle(self, *args, **options):
        district = None
        if options["district"]:
            district = District.objects.filter(code=options["district"]).first()
            if district is None:
                codes = ", ".join(District.objects.values_list("code", flat=True))
                raise CommandError(f"Unknown county-level unit {options['district']!r}; known: {codes}")
        password = os.environ.get("ACCOUNT_PASSWORD")
        if not password:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
        try:
            user = account_create(
                username=options["username"],
                role=options["role"],
                password=password,
                district=district,
                is_citywide=options["citywide"],
                organisation=options["organisation"],
                full_name=options["name"],
                email=options["email"],
            )
        except ApplicationError as exc:
            details = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.fields.items())
            raise CommandError(f"{exc.message} {details}".strip()) from exc
        self.stdout.write(self.style.SUCCESS(f"Created {user.username} ({user.get_role_display()})."))
