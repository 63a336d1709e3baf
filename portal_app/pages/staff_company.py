"""Settings → Company profile for administrators (/staff/settings/company): details, brand colour, portal host
names, the logo, and a preview of the sign-in page and the PDF letterhead."""

from __future__ import annotations

import reflex as rx

from portal_app.components.auth_card import form_error
from portal_app.components.cards import section
from portal_app.components.fields import field_error, text_field
from portal_app.components.loading import until_loaded
from portal_app.components.settings_nav import settings_nav
from portal_app.components.tickets import form_notice
from portal_app.pages.registry import portal_page
from portal_app.pages.staff import staff_shell
from portal_app.state.staff_company import (
    COMPANY_ROUTE,
    LOGO_FIELDS,
    LOGO_MAX_BYTES,
    LOGO_UPLOAD,
    PROFILE_FIELDS,
    StaffCompanyState,
)

ACCEPTED = {"image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"], "image/svg+xml": [".svg"]}
SWATCH = {"width": "2.5rem", "height": "2.5rem", "border_radius": "var(--radius-2)", "flex_shrink": "0"}


def _field(name: str, label: str, initial: rx.Var, limit: int, **props) -> rx.Component:
    return text_field(
        label,
        PROFILE_FIELDS[name],
        name=name,
        errors=StaffCompanyState.field_errors,
        initial=initial,
        limit=limit,
        **props,
    )


def _colour_field() -> rx.Component:
    company = StaffCompanyState.company
    return rx.flex(
        rx.box(
            _field(
                "colour",
                "Brand colour",
                company.colour,
                7,
                hint="# and six hex digits, like #0f766e. Buttons show white text on it, so it must be dark enough.",
                spell_check=False,
                auto_capitalize="none",
            ),
            flex_grow="1",
        ),
        rx.box(background_color=company.colour, aria_hidden="true", margin_top="2.2rem", **SWATCH),
        spacing="3",
        width="100%",
    )


def _details_card() -> rx.Component:
    state, company = StaffCompanyState, StaffCompanyState.company
    return section(
        "Details",
        rx.form(
            rx.vstack(
                _field("name", "Company name", company.name, 120, required=True, auto_complete="organization"),
                _field("address", "Address", company.address, 400, control=rx.text_area, rows="3"),
                _field("email", "Support email", company.email, 254, type="email"),
                _field("phone", "Support phone", company.phone, 40, type="tel"),
                _field("website", "Website", company.website, 200, type="url", hint="Like https://northwind.example."),
                _colour_field(),
                _field(
                    "hosts",
                    "Portal host names",
                    company.hosts,
                    1300,
                    control=rx.text_area,
                    rows="2",
                    hint="One per line, like portal.northwind.example: customers who open the portal there see your "
                    "logo and colours on the sign-in page.",
                    spell_check=False,
                    auto_capitalize="none",
                ),
                rx.button("Save company profile", type="submit", size="3"),
                spacing="3",
                width="100%",
                align="start",
            ),
            on_submit=state.save_profile,
            key=state.form_key,
            width="100%",
        ),
    )


def _logo_card() -> rx.Component:
    state, company = StaffCompanyState, StaffCompanyState.company
    element_id = LOGO_FIELDS["logo"]
    message = state.field_errors.get(element_id, "")
    return section(
        "Logo",
        rx.vstack(
            rx.cond(
                company.has_logo,
                rx.image(
                    src=state.logo_src,
                    alt="Current logo of " + company.name,
                    height="56px",
                    width="auto",
                    max_width="100%",
                    class_name="brand-logo",
                    id="current-logo",
                ),
                rx.text("No logo yet: the sign-in page and documents show the company name.", size="2"),
            ),
            rx.el.label("Logo file", html_for=element_id, class_name="field-label"),
            _logo_drop_zone(element_id, message),
            rx.text(
                "PNG, JPEG or SVG, up to 1 MB and 4000 pixels either way. SVG files with scripts or links are refused.",
                size="1",
                color_scheme="gray",
                id=f"{element_id}-hint",
                as_="p",
            ),
            field_error(element_id, message),
            rx.cond(
                company.has_logo,
                rx.button(
                    "Remove logo", type="button", variant="soft", color_scheme="gray", on_click=state.remove_logo
                ),
            ),
            spacing="3",
            width="100%",
            align="start",
        ),
    )


def _logo_drop_zone(element_id: str, message: rx.Var) -> rx.Component:
    """A drop zone whose button opens the file chooser; the chosen file is uploaded and checked at once."""
    state = StaffCompanyState
    zone = rx.upload(
        rx.vstack(
            rx.button(
                rx.icon("upload", size=16, aria_hidden="true"),
                rx.cond(state.company.has_logo, "Choose a new logo", "Choose a logo"),
                type="button",
                variant="soft",
                loading=state.uploading,
            ),
            rx.text("Or drop the file here.", size="1", color_scheme="gray"),
            align="center",
            spacing="1",
        ),
        id=LOGO_UPLOAD,
        accept=ACCEPTED,
        max_files=1,
        max_size=LOGO_MAX_BYTES,
        multiple=False,
        no_keyboard=True,  # the button takes the focus; its click opens the chooser
        on_drop=state.upload_logo(rx.upload_files(upload_id=LOGO_UPLOAD)),
        border="1px dashed var(--gray-a8)",
        border_radius="var(--radius-3)",
        padding="var(--space-4)",
        width="100%",
        cursor="pointer",
    )
    # Reflex builds the file input itself: give it the label's id and point it at the hint and the message.
    file_input = zone.children[0].children[0]
    file_input.custom_attrs.update(
        {
            "id": element_id,
            "aria-describedby": f"{element_id}-hint {element_id}-error",
            "aria-invalid": rx.cond(message != "", "true", "false"),
        }
    )
    return zone


def _logo_or_name(height: str) -> rx.Component:
    state, company = StaffCompanyState, StaffCompanyState.company
    return rx.cond(
        company.has_logo,
        rx.image(src=state.logo_src, alt=company.name, height=height, width="auto", class_name="brand-logo"),
        rx.text(company.name, weight="bold", size="4"),
    )


def _sign_in_preview() -> rx.Component:
    company = StaffCompanyState.company
    return rx.vstack(
        rx.text("Sign-in page", weight="medium", size="2"),
        rx.box(
            rx.vstack(
                _logo_or_name("36px"),
                rx.text("Customer portal", size="1", color_scheme="gray"),
                rx.box(
                    rx.text("Sign in", weight="bold", size="4", as_="p"),
                    rx.box(height="1.6rem", border="1px solid var(--gray-a6)", border_radius="var(--radius-2)"),
                    rx.box(
                        "Sign in",
                        background_color=company.colour,
                        color="white",
                        text_align="center",
                        padding="var(--space-1)",
                        border_radius="var(--radius-2)",
                        font_size="var(--font-size-2)",
                        font_weight="500",
                    ),
                    border_top=rx.Var.create("4px solid ") + company.colour,
                    background="var(--color-panel-solid)",
                    border_radius="var(--radius-3)",
                    padding="var(--space-3)",
                    width="100%",
                    display="grid",
                    gap="var(--space-2)",
                    box_shadow="var(--shadow-2)",
                ),
                align="center",
                spacing="2",
                width="100%",
            ),
            background="var(--gray-a2)",
            border_radius="var(--radius-3)",
            padding="var(--space-4)",
            width="100%",
            id="sign-in-preview",
        ),
        rx.link(
            "Open your customers' sign-in page",
            href="/portal/login?org=" + company.slug,
            is_external=True,
            size="2",
        ),
        flex="1 1 260px",
        spacing="2",
    )


def _letterhead_preview() -> rx.Component:
    company = StaffCompanyState.company
    return rx.vstack(
        rx.text("PDF letterhead", weight="medium", size="2"),
        rx.box(
            rx.flex(
                rx.vstack(
                    _logo_or_name("32px"),
                    rx.cond(company.has_logo, rx.text(company.name, weight="bold", size="1")),
                    rx.text(company.address, size="1", white_space="pre-line"),
                    rx.text(
                        rx.cond(company.email != "", company.email, ""),
                        rx.cond(company.phone != "", " · " + company.phone, ""),
                        rx.cond(company.website != "", " · " + company.website, ""),
                        size="1",
                    ),
                    spacing="1",
                    min_width="0",
                ),
                rx.text("Invoice", weight="bold", size="6"),
                justify="between",
                gap="var(--space-3)",
                wrap="wrap",
            ),
            rx.box(height="2px", background_color=company.colour, margin_top="var(--space-4)"),
            background="white",
            color="#0f172a",
            border="1px solid var(--gray-a6)",
            border_radius="var(--radius-2)",
            padding="var(--space-4)",
            width="100%",
            id="letterhead-preview",
        ),
        flex="1 1 260px",
        spacing="2",
    )


def _preview_card() -> rx.Component:
    return section(
        "Preview",
        rx.text("How your customers see the saved profile.", size="2", color_scheme="gray", as_="p"),
        rx.flex(
            _sign_in_preview(), _letterhead_preview(), gap="var(--space-4)", wrap="wrap", margin_top="var(--space-3)"
        ),
    )


@portal_page(COMPANY_ROUTE, "Company profile", on_load=StaffCompanyState.load_company)
def staff_company_page() -> rx.Component:
    """The organisation's name, contact details, colour, host names and logo, with a preview."""
    state = StaffCompanyState
    return staff_shell(
        settings_nav(COMPANY_ROUTE),
        rx.heading("Settings → Company profile", size="6", as_="h1", margin_bottom="var(--space-4)"),
        until_loaded(
            state.loaded,
            rx.vstack(
                form_notice(state.notice),
                form_error(state.error),
                _logo_card(),
                _details_card(),
                _preview_card(),
                spacing="4",
                width="100%",
            ),
        ),
        admin_only=True,
    )
