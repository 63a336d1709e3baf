"""The console's customer type-ahead as state: search the organisation's customers, choose one of those offered
(components/customer_picker.py draws it). Mixed into the console states whose forms name a customer."""

from __future__ import annotations

import reflex as rx

from portal_app.services.console.customers import CustomerChoice, customer_choices, search_text
from portal_app.state.session import SignedOut


class CustomerPicker(rx.State, mixin=True):
    """`_chosen_customer` is the id of the customer chosen from the offered ones (0: none yet). The state it is mixed
    into is a staff state (it has `_as_admin`) and may say what else a new choice clears (`_after_choice`)."""

    choices: list[CustomerChoice] = []
    searched: str = ""
    chosen_name: str = ""
    _chosen_customer: int = 0

    @rx.event
    async def find_customers(self, text: str):
        """The organisation's customers whose name, email, phone or reference contains what is typed."""
        self.searched = search_text(text)
        try:
            found = await self._as_admin(customer_choices, self.searched)
        except SignedOut:
            return self._login_redirect()
        self.choices = found or []
        return None

    @rx.event
    def choose_customer(self, customer_id: int):
        """Select one of the customers offered (only those: anything else selects nothing)."""
        chosen = next((c for c in self.choices if c.id == customer_id), None)
        if chosen is not None:
            self._chosen_customer = chosen.id
            self.chosen_name = chosen.name
            self.choices = []
            self._after_choice()

    @rx.event
    def change_customer(self):
        """Drop the selected customer to search again."""
        self._forget_choice()

    def _forget_choice(self) -> None:
        self._chosen_customer = 0
        self.chosen_name = self.searched = ""
        self.choices = []
        self._after_choice()

    def _after_choice(self) -> None:
        """What else the form clears when its customer changes (an error, a pending question); nothing here."""
