"""The audit log for administrators (/staff/audit): who did what, to which customer or person, when, from where."""

from __future__ import annotations

import reflex as rx

from portal_app.components.cards import position_notice, section
from portal_app.components.loading import until_loaded
from portal_app.components.tables import data_table, pager
from portal_app.pages.registry import portal_page
from portal_app.pages.staff import staff_shell
from portal_app.state.staff_audit import AUDIT_ROUTE, StaffAuditState

AUDIT_HEADERS = ["When (UTC)", "Who", "What", "Customer", "Person", "Detail", "From"]


def _dash(value: rx.Var) -> rx.Var:
    return rx.cond(value != "", value, "—")


def _audit_row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.td(row.when, class_name="nowrap"),
        rx.el.td(row.who, class_name="ticket-subject"),
        rx.el.th(row.action, scope="row"),
        rx.el.td(_dash(row.customer)),
        rx.el.td(_dash(row.person), class_name="ticket-subject"),
        rx.el.td(_dash(row.detail), class_name="ticket-subject"),
        rx.el.td(_dash(row.address), class_name="nowrap"),
    )


@portal_page(AUDIT_ROUTE, "Audit log", on_load=StaffAuditState.load_audit)
def staff_audit_page() -> rx.Component:
    """Every administrator action of the organisation, newest first."""
    return staff_shell(
        rx.heading("Audit log", size="6", as_="h1", margin_bottom="var(--space-4)"),
        section(
            "Administrator actions",
            until_loaded(
                StaffAuditState.loaded,
                position_notice(StaffAuditState.notice),
                data_table(AUDIT_HEADERS, StaffAuditState.rows, _audit_row, "Nothing recorded yet.", "Audit log"),
                pager("Audit log pages", StaffAuditState.audit_pager),
            ),
        ),
        admin_only=True,
    )
