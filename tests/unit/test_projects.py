"""Projects: only the customer's own, ordered by what is under way, progress bounded."""

from __future__ import annotations

from datetime import date

from factories import make_customer, make_user

from portal_app.models import Project, ProjectStatus
from portal_app.services.accounts import sessions
from portal_app.services.accounts.overview import overview
from portal_app.services.projects.progress import project_cards


def test_projects_are_scoped_ordered_and_counted(db):
    customer, other = make_customer(db), make_customer(db, name="Other")
    db.add_all(
        [
            Project(customer_id=customer.id, name="Done", status=ProjectStatus.COMPLETED, progress_percent=80),
            Project(
                customer_id=customer.id,
                name="Fibre",
                status=ProjectStatus.IN_PROGRESS,
                progress_percent=60,
                due_on=date(2027, 1, 5),
            ),
            Project(customer_id=customer.id, name="Odd", status=ProjectStatus.ON_HOLD, progress_percent=140),
            Project(customer_id=other.id, name="Not mine", status=ProjectStatus.IN_PROGRESS),
        ]
    )
    db.commit()
    user = make_user(db, customer=customer)
    principal = sessions.resolve(db, sessions.open_session(db, user.id, remember=False))
    cards = project_cards(db, principal)
    assert [c.name for c in cards] == ["Fibre", "Odd", "Done"]
    assert [c.progress for c in cards] == [60, 100, 100]  # bounded; completed is 100
    assert cards[0].due == "Jan 5, 2027"
    assert overview(db, principal).active_projects == 2
