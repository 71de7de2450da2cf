"""Which fields of which models hold personal data in clear (names, telephones, addresses of persons, free text
about a person). The audit trail stores these masked (`suzhou_childcare.audit.services.audit_snapshot`), the
retention schedule purges or anonymises them, and the data-subject export reads them.

{"app_label.modelname": {"field", ...}}

Left out on purpose: a facility's address (a business address; only a family childcare point 家庭托育点 sits
in a home, and the supervision record needs it), a penalty's facts and legal basis (a published legal
decision), scores and dates that say nothing about a person without the name next to them.
"""

PERSONAL_FIELDS: dict[str, set[str]] = {
    # Accounts of real persons (staff of the commission, operators, training bases).
    "accounts.user": {"first_name", "last_name", "email", "id_number"},
    # The person registry and the staff roster (the name as each facility entered it).
    "facilities.person": {"name", "id_number"},
    "facilities.staffmember": {"name", "guard_licence_number"},
    # The original name of an uploaded scan (staff qualifications, health certificates) may be a person's name.
    "facilities.material": {"original_name"},
    "inspections.evidence": {"original_name"},
    # The complainant's contact, and what the citizen wrote (often naming a child or the complainant).
    "inspections.complaint": {"complainant_name", "complainant_phone", "description", "reply"},
    # Free text about infants and staff involved in an incident.
    "inspections.incident": {"description", "follow_up"},
    # A person's certificate number identifies them; the decision's reasons are about the person.
    "training.trainingrecord": {"certificate_number"},
    "training.awardapplication": {"reasons"},
}
