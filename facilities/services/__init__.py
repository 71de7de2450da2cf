"""Every write on facilities. Split by concern: the record, the filing lifecycle, the materials."""

from .coordination import case_add_step, case_close, case_open
from .filing import (
    facility_cancel,
    facility_record,
    facility_reject,
    facility_remind,
    facility_start_change,
    facility_start_draft,
    facility_submit,
    facility_verify,
)
from .materials import material_upload
from .recognition import (
    recognition_apply,
    recognition_decide,
    recognition_expiry_notices_send,
    recognition_reinstate,
    recognition_revoke,
    recognition_suspend,
    recognition_unit_review,
    recognition_withdraw,
    recognitions_expire,
    recognitions_suspend_for_serious_violation,
)
from .records import (
    facility_class_remove,
    facility_class_set,
    facility_create,
    facility_link_operator,
    facility_update,
    person_for,
    staff_add,
    version_write,
)
from .signup import operator_sign_up
from .standards import standard_rule_new_version
from .supervision import (
    facility_flag_serious_violation,
    facility_set_quality_grade,
    facility_set_training_compliance,
    person_ban,
)

__all__ = [
    "case_add_step",
    "case_close",
    "case_open",
    "facility_cancel",
    "facility_class_remove",
    "facility_class_set",
    "facility_create",
    "facility_flag_serious_violation",
    "facility_link_operator",
    "facility_record",
    "facility_reject",
    "facility_remind",
    "facility_set_quality_grade",
    "facility_set_training_compliance",
    "facility_start_change",
    "facility_start_draft",
    "facility_submit",
    "facility_update",
    "facility_verify",
    "material_upload",
    "operator_sign_up",
    "person_ban",
    "person_for",
    "recognition_apply",
    "recognition_decide",
    "recognition_expiry_notices_send",
    "recognition_reinstate",
    "recognition_revoke",
    "recognition_suspend",
    "recognition_unit_review",
    "recognition_withdraw",
    "recognitions_expire",
    "recognitions_suspend_for_serious_violation",
    "staff_add",
    "standard_rule_new_version",
    "version_write",
]
