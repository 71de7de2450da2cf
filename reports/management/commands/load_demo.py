"""`manage.py load_demo`: the demo data set (idempotent): accounts and streets through the services, then the
synthetic facility history as a bulk load (`facilities.demo`: no audit entries, see its docstring), then a year
of synthetic supervision over it, also a bulk load without audit entries (`inspections.demo`), the training
demo, and the recognitions, targets, build projects and guidance (`facilities.demo_recognition`, likewise).

It lives in the top layer because later issues grow it with every app's data (facilities reproducing the
2021-05 city figures, recognitions, inspections, subsidies). Run it as often as you like.
"""

import os
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from stdnum.cn import ric

from facilities.demo import load_demo_history
from facilities.demo_recognition import load_recognition_demo
from inspections.demo import load_supervision_demo
from subsidies.demo import load_subsidies_demo
from suzhou_childcare.accounts.models import Role, User
from suzhou_childcare.accounts.services import account_create, account_set_id_number
from suzhou_childcare.regions.models import District, Street, StreetKind
from suzhou_childcare.regions.services import street_add
from training.demo import load_training_demo
from training.services.compliance import compliance_refresh_all

# One account per role (two units for the officers, to show jurisdiction).
DEMO_ACCOUNTS = [
    {"username": "city_admin", "role": Role.CITY_ADMIN, "full_name": "市卫健委管理员"},
    {"username": "gusu_officer", "role": Role.DISTRICT_OFFICER, "district": "320508", "full_name": "姑苏区卫健委"},
    {"username": "wujiang_officer", "role": Role.DISTRICT_OFFICER, "district": "320509", "full_name": "吴江区卫健委"},
    {"username": "gusu_inspector", "role": Role.INSPECTOR, "district": "320508", "full_name": "姑苏区卫生监督员"},
    {"username": "city_inspector", "role": Role.INSPECTOR, "is_citywide": True, "full_name": "市卫生监督所"},
    {"username": "operator", "role": Role.OPERATOR, "full_name": "托育机构负责人"},
    {"username": "training_base", "role": Role.TRAINING_BASE, "organisation": "苏州市托育人才培训基地"},
    {"username": "mch_assessor", "role": Role.MCH_ASSESSOR, "organisation": "苏州市妇幼保健院"},
    {"username": "stats_client", "role": Role.STATISTICS_CLIENT, "organisation": "统计接口客户端"},
]

# Demo only: the streets of 姑苏区; the city admin enters the other units' streets and towns.
DEMO_STREETS = {
    "320508": ["平江街道", "金阊街道", "沧浪街道", "双塔街道", "虎丘街道", "吴门桥街道", "白洋湾街道", "苏锦街道"],
}


def demo_id_number(serial: int) -> str:
    """A valid (checksummed) but fictitious 公民身份号码 for demo accounts."""
    body = f"32050219900101{serial:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit


class Command(BaseCommand):
    help = "Load the demo data set (idempotent) and print the demo accounts."

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD")
        if not password:
            raise CommandError("Set DEMO_PASSWORD (make run writes one to .env).")
        with transaction.atomic():
            created = self._accounts(password)
            self._streets()
        history = load_demo_history(today=timezone.localdate())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded ({created} new account(s))."))
        self.stdout.write(
            "Facility history (synthetic, bulk-loaded without audit entries; "
            f"{'loaded now' if history['created'] else 'already present'}): "
            f"{history['facilities']} facilities ({history['operating_today']} operating today), "
            f"{history['versions']} versions, {history['classes']} classes, {history['offerings']} service forms, "
            f"{history['staff']} employments of {history['persons']} persons, "
            f"{history['operator_facilities']} run by the demo operator."
        )
        supervision = load_supervision_demo(today=timezone.localdate())
        self.stdout.write(
            "Supervision (synthetic, bulk-loaded without audit entries; "
            f"{'loaded now' if supervision['created'] else 'already present'}): "
            f"{supervision['inspections']} inspections, {supervision['findings']} findings, "
            f"{supervision['orders']} rectification orders ({supervision['orders_overdue']} overdue), "
            f"{supervision['plans']} plans, {supervision['assessments']} quality assessments, "
            f"{supervision['complaints']} complaints, {supervision['self_inspections']} self-inspections, "
            f"{supervision['incidents']} incidents, {supervision['penalties']} penalties "
            f"({supervision['penalties_decided']} decided)."
        )
        training = load_training_demo(today=timezone.localdate())
        self.stdout.write(
            "Training (synthetic, bulk-loaded without audit entries; "
            f"{'loaded now' if training['created'] else 'already present'}): "
            f"{training['institutions']} institutions, {training['courses']} courses, {training['sessions']} sessions, "
            f"{training['records']} training records ({training['expiring_30_days']} certificates expiring within "
            f"30 days), {training['assessments']} health-care assessments, {training['competitions']} competitions, "
            f"{training['applications']} award applications."
        )
        # The daily job's work, once now, so compliance pages show today's state straight away.
        checked = compliance_refresh_all(today=timezone.localdate())
        self.stdout.write(f"Training compliance checked for {checked} facilities.")
        # After supervision and training: model criteria read the quality grades and serious penalties they set.
        r = load_recognition_demo(today=timezone.localdate())
        end = r["in_force_end_2021"]
        self.stdout.write(
            "Recognitions (synthetic, bulk-loaded without audit entries; "
            f"{'loaded now' if r['created'] else 'already present'}): "
            f"{r['recognitions']} recognitions (in force on 2021-12-31: "
            f"{end['provincial_inclusive']} provincial inclusive, {end['provincial_model']} provincial model, "
            f"{end['municipal_inclusive']} municipal inclusive, {end['municipal_model']} municipal model), "
            f"{r['renewals']} renewals, {r['expired']} expired, {r['revoked']} revoked, {r['suspended']} suspended, "
            f"{r['pending']} applications pending, "
            f"{r['municipal_model_2021_2025']} municipal model facilities granted 2021–2025, "
            f"{r['projects']} build projects ({r['projects_2021_opened']} of 2021 opened), "
            f"{r['targets']} unit targets, {r['guidance']} guidance activities."
        )
        # After recognitions: the subsidy rates read the recognitions in force each month.
        sub = load_subsidies_demo(today=timezone.localdate())
        self.stdout.write(
            "Subsidies (synthetic reports bulk-loaded; statements and batches through the services): "
            f"{'loaded now' if sub['created'] else 'already present'}: {sub['reports']} monthly reports over "
            f"{sub['months']} months ({sub['late']} late, {sub['corrections']} corrected), {sub['statements']} "
            f"statements ({sub['eligible']} eligible, {sub['adjustments']} adjustments), {sub['batches']} batches "
            f"({sub['paid']} paid, {sub['awaiting']} awaiting approval), ¥{Decimal(sub['total_paid']):,.2f} paid."
        )
        self.stdout.write(f"Demo accounts (password for all, DEMO_PASSWORD in .env): {password}")
        for spec in DEMO_ACCOUNTS:
            user = User.objects.get(username=spec["username"])
            where = " 全市" if user.is_citywide else (f" {user.district.name}" if user.district else "")
            self.stdout.write(f"  {user.username:<16} {user.get_role_display()}{where}")

    def _accounts(self, password: str) -> int:
        created = 0
        for serial, spec in enumerate(DEMO_ACCOUNTS, start=1):
            if User.objects.filter(username=spec["username"]).exists():
                continue
            district = District.objects.get(code=spec["district"]) if spec.get("district") else None
            user = account_create(
                username=spec["username"],
                role=spec["role"],
                password=password,
                district=district,
                is_citywide=spec.get("is_citywide", False),
                organisation=spec.get("organisation", ""),
                full_name=spec.get("full_name", ""),
            )
            if spec["role"] != Role.STATISTICS_CLIENT:
                account_set_id_number(actor=None, user=user, id_number=demo_id_number(serial))
            created += 1
        return created

    def _streets(self) -> None:
        for code, names in DEMO_STREETS.items():
            district = District.objects.get(code=code)
            for name in names:
                if not Street.objects.filter(district=district, name=name).exists():
                    street_add(actor=None, district=district, name=name, kind=StreetKind.STREET)
