"""Settings → Company profile for administrators: the organisation's details, brand colour, host names and logo."""

from __future__ import annotations

import reflex as rx

from portal_app.errors import PortalError
from portal_app.services.accounts.logos import MAX_BYTES
from portal_app.services.console import company_profile as profile
from portal_app.services.console.company_profile import CompanyProfile, ProfileChange
from portal_app.state.client import caller_address
from portal_app.state.forms import FieldErrors, form_field
from portal_app.state.session import SignedOut
from portal_app.state.sign_in_branding import served_url
from portal_app.state.staff import StaffSession

COMPANY_ROUTE = "/staff/settings/company"
LOGO_UPLOAD = "company-logo"
LOGO_MAX_BYTES = MAX_BYTES  # the browser refuses bigger files before sending them; the service checks again
# The form's fields: the service's argument -> the field's element id.
PROFILE_FIELDS = {
    name: f"company-{name}" for name in ("name", "address", "email", "phone", "website", "colour", "hosts")
}
LOGO_FIELDS = {"logo": "company-logo-file"}
BLANK = CompanyProfile(
    slug="", name="", address="", email="", phone="", website="", colour="", hosts="", logo_url="", has_logo=False
)


class StaffCompanyState(FieldErrors, StaffSession):
    """The organisation's profile as last read, and the outcome of the last change."""

    loaded: bool = False
    company: CompanyProfile = BLANK
    logo_src: str = ""
    notice: str = ""
    error: str = ""
    form_key: int = 0
    uploading: bool = False

    @rx.event
    async def load_company(self):
        """Read the profile (redirects when signed out; nothing for agents)."""
        self.loaded = False
        self.notice = self.error = ""
        self._clear_field_errors()
        try:
            shown = await self._as_admin(profile.company_profile)
        except SignedOut:
            return self._login_redirect()
        self._show(shown)
        self.loaded = True
        return None

    @rx.event
    async def save_profile(self, form: dict):
        """Save the details, colour and host names; a refusal shows at its field and changes nothing."""
        self.notice = self.error = ""
        self._clear_field_errors(*PROFILE_FIELDS.values())
        change = ProfileChange(**{name: form_field(form, name) for name in PROFILE_FIELDS})
        try:
            shown = await self._as_admin(profile.save_company_profile, change, client_ip=caller_address(self))
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            return self._refuse(refused, PROFILE_FIELDS)
        self._show(shown)
        self.notice = "Company profile saved." if shown is not None else ""
        return None

    @rx.event
    async def upload_logo(self, files: list[rx.UploadFile]):
        """Check and store the chosen logo (an administrator's upload only: the session is checked before the file
        is read)."""
        self.notice = self.error = ""
        self._clear_field_errors(*LOGO_FIELDS.values())
        try:
            allowed = await self._as_admin(profile.company_profile)
        except SignedOut:
            return self._login_redirect()
        if allowed is None:
            return None
        if not isinstance(files, list) or len(files) != 1 or not isinstance(files[0], rx.UploadFile):
            return self._show_at_field(LOGO_FIELDS["logo"], "Choose one PNG, JPEG or SVG file for the logo.")
        upload = files[0]
        content = await upload.read(LOGO_MAX_BYTES + 1)
        self.uploading = True
        try:
            shown = await self._as_admin(
                profile.save_logo, upload.filename or "", content, client_ip=caller_address(self)
            )
        except SignedOut:
            return self._login_redirect()
        except PortalError as refused:
            return self._refuse(refused, LOGO_FIELDS)
        finally:
            self.uploading = False
        self._show(shown)
        self.notice = "Logo saved. The sign-in pages and new PDFs show it now."
        return None

    @rx.event
    async def remove_logo(self):
        """Go back to the name and monogram instead of a logo."""
        self.notice = self.error = ""
        try:
            shown = await self._as_admin(profile.remove_logo, client_ip=caller_address(self))
        except SignedOut:
            return self._login_redirect()
        self._show(shown)
        self.notice = "Logo removed." if shown is not None else ""
        return None

    def _show(self, shown: CompanyProfile | None) -> None:
        self.company = shown or BLANK
        self.logo_src = served_url(self.company.logo_url)
        self.form_key += 1
