"""The filing lifecycle (国卫办人口发〔2019〕25号): states, who may act, where each action leads, deadlines.

| state             | action       | who                      | next state                   | deadline        |
|-------------------|--------------|--------------------------|------------------------------|-----------------|
| known             | start_draft  | its operator             | draft                        |                 |
| draft             | submit       | operator                 | submitted                    | record in 5 wd  |
| nonconforming     | submit       | operator (corrected)     | submitted (keeps its number) | record in 5 wd  |
| submitted         | record       | unit officer             | filed (回执, filing number)   | notice in 15 wd |
| submitted         | reject       | unit officer             | draft (returned to complete) |                 |
| filed             | verify       | unit officer             | verified, or nonconforming   | notice deadline |
| filed, verified   | start_change | operator                 | change_pending (变更备案)     | record in 5 wd  |
| change_pending    | record       | unit officer             | as before, change applied    |                 |
| change_pending    | reject       | unit officer             | back to filed / verified     |                 |
| any but cancelled | cancel       | operator, unit officer   | cancelled (注销备案)          |                 |

(wd = working days, the day of receipt not counted.)

"Unit officer" is a district officer of the facility's county-level unit: the county-level health commission
records filings (人口与计划生育法 2021, Art. 28). Working days exclude the day of receipt.
"""

from suzhou_childcare.accounts.models import Role

from ..models import FilingStatus

RECORD_WITHIN_WORKING_DAYS = 5
NOTICE_WITHIN_WORKING_DAYS = 15
CLAUSE = "国卫办人口发〔2019〕25号"

OPERATOR = frozenset({Role.OPERATOR})
OFFICER = frozenset({Role.DISTRICT_OFFICER})

TRANSITIONS: dict[str, dict[str, tuple[frozenset[str], frozenset[str]]]] = {
    # action: {from_state: (roles, to_states)}
    # Only an operator can carry a filing through: an officer links the operator's account first.
    "start_draft": {FilingStatus.KNOWN: (OPERATOR, frozenset({FilingStatus.DRAFT}))},
    "submit": {
        FilingStatus.DRAFT: (OPERATOR, frozenset({FilingStatus.SUBMITTED})),
        FilingStatus.NONCONFORMING: (OPERATOR, frozenset({FilingStatus.SUBMITTED})),
    },
    "record": {
        FilingStatus.SUBMITTED: (OFFICER, frozenset({FilingStatus.FILED})),
        FilingStatus.CHANGE_PENDING: (OFFICER, frozenset({FilingStatus.FILED})),
    },
    "reject": {
        FilingStatus.SUBMITTED: (OFFICER, frozenset({FilingStatus.DRAFT})),
        FilingStatus.CHANGE_PENDING: (OFFICER, frozenset({FilingStatus.FILED, FilingStatus.VERIFIED})),
    },
    "verify": {FilingStatus.FILED: (OFFICER, frozenset({FilingStatus.VERIFIED, FilingStatus.NONCONFORMING}))},
    "start_change": {
        FilingStatus.FILED: (OPERATOR, frozenset({FilingStatus.CHANGE_PENDING})),
        FilingStatus.VERIFIED: (OPERATOR, frozenset({FilingStatus.CHANGE_PENDING})),
    },
    "cancel": {
        state: (OPERATOR | OFFICER, frozenset({FilingStatus.CANCELLED}))
        for state in FilingStatus.values
        if state != FilingStatus.CANCELLED
    },
}

# States in which an operator edits the record itself; in change_pending edits go to `pending_changes`.
OPERATOR_EDITABLE = frozenset({FilingStatus.KNOWN, FilingStatus.DRAFT, FilingStatus.NONCONFORMING})
OFFICER_EDITABLE = frozenset({FilingStatus.KNOWN})
IN_FORCE = frozenset(
    {FilingStatus.FILED, FilingStatus.VERIFIED, FilingStatus.NONCONFORMING, FilingStatus.CHANGE_PENDING}
)


def allowed(action: str, state: str, role: str) -> bool:
    entry = TRANSITIONS.get(action, {}).get(state)
    return entry is not None and role in entry[0]
