"""Ticket attachments in the UI: the field that uploads files for a form (progress, staged files, refusals with
the reason, at the field), and a message's files in a thread (images as thumbnails)."""

from __future__ import annotations

from typing import Any

import reflex as rx

THUMBNAIL_PX = "96px"


def attachment_field(state: Any, upload_id: str, limits: str, max_bytes: int) -> rx.Component:
    """Choose or drop files for the form drawn by a state mixing in `AttachmentFields`: they upload at once (with
    progress), then show as staged with a remove button; refused ones say why under the field."""
    label_id = f"{upload_id}-label"
    hint_id = f"{upload_id}-hint"
    return rx.vstack(
        rx.text("Attachments (optional)", as_="p", class_name="field-label", id=label_id),
        _labelled(
            rx.upload.root(
                rx.flex(
                    rx.button(
                        rx.icon("paperclip", size=16, aria_hidden="true"),
                        "Choose files",
                        type="button",
                        variant="soft",
                        disabled=state.uploading,
                        aria_describedby=f"{hint_id} {upload_id}-error",
                        id=f"{upload_id}-button",
                    ),
                    rx.text("or drop them here", size="2", color_scheme="gray", as_="span"),
                    spacing="3",
                    align="center",
                    wrap="wrap",
                ),
                id=upload_id,
                max_size=max_bytes,
                no_keyboard=True,
                disabled=state.uploading,
                on_drop=state.stage_files(
                    rx.upload_files_chunk(upload_id=upload_id, on_upload_progress=state.show_upload_progress)
                ),
                on_drop_rejected=state.note_rejected,
                border="1px dashed var(--gray-a8)",
                border_radius="var(--radius-3)",
                padding="var(--space-3)",
                width="100%",
            ),
            "Attach files",
        ),
        rx.text(limits, size="1", color_scheme="gray", as_="p", id=hint_id),
        rx.cond(
            state.uploading,
            rx.vstack(
                rx.progress(value=state.upload_percent, max=100, aria_label="Upload progress", width="100%"),
                rx.text("Uploading… ", state.upload_percent, "%", size="2", role="status", id=f"{upload_id}-progress"),
                spacing="1",
                width="100%",
            ),
        ),
        _staged(state, upload_id),
        rx.el.div(
            rx.foreach(
                state.refused,
                lambda refusal: rx.el.p(
                    rx.cond(refusal.name != "", rx.el.strong(refusal.name, ": "), ""),
                    refusal.reason,
                    class_name="field-error",
                ),
            ),
            id=f"{upload_id}-error",
            role="alert",
        ),
        spacing="2",
        width="100%",
        align="start",
    )


def _labelled(upload: rx.Component, label: str) -> rx.Component:
    """The upload with an accessible name on its (visually hidden) file input, which rx.upload leaves unnamed."""
    zone = upload.children[0]
    file_input = zone.children[0]
    file_input.custom_attrs["aria-label"] = label
    return upload


def _staged(state: Any, upload_id: str) -> rx.Component:
    return rx.cond(
        state.staged.length() > 0,
        rx.el.ul(
            rx.foreach(
                state.staged,
                lambda file: rx.el.li(
                    rx.flex(
                        rx.icon("file", size=16, aria_hidden="true"),
                        rx.text(file.name, size="2", weight="medium", class_name="attachment-name"),
                        rx.text(file.size, size="1", color_scheme="gray"),
                        rx.icon_button(
                            rx.icon("x", size=14),
                            type="button",
                            size="1",
                            variant="ghost",
                            color_scheme="gray",
                            aria_label="Remove " + file.name,
                            on_click=state.unstage(file.id),
                        ),
                        spacing="2",
                        align="center",
                    ),
                ),
            ),
            aria_label="Attached files",
            id=f"{upload_id}-staged",
            style={"list_style": "none", "padding": "0", "margin": "0", "overflow_wrap": "anywhere"},
        ),
    )


def _attachment(file: rx.Var) -> rx.Component:
    """One attached file: an image as a thumbnail opening it full size, any file with its name to download it."""
    return rx.el.li(
        rx.cond(
            file.is_image,
            rx.link(
                rx.image(
                    src=file.view_href,
                    alt=file.name,
                    width=THUMBNAIL_PX,
                    height=THUMBNAIL_PX,
                    object_fit="cover",
                    border_radius="var(--radius-2)",
                    loading="lazy",
                    class_name="attachment-thumbnail",
                ),
                href=file.view_href,
                is_external=True,
                aria_label="Open " + file.name + " (opens in a new tab)",
            ),
        ),
        rx.flex(
            rx.icon("paperclip", size=14, aria_hidden="true"),
            rx.link(file.name, href=file.href, reload_document=True, size="2", aria_label="Download " + file.name),
            rx.text(file.size, size="1", color_scheme="gray", as_="span"),
            spacing="1",
            align="center",
            wrap="wrap",
        ),
        style={"overflow_wrap": "anywhere", "max_width": "100%"},
    )


def attachment_list(files: rx.Var) -> rx.Component:
    """A message's files, or nothing when it has none."""
    return rx.cond(
        files.length() > 0,
        rx.el.ul(
            rx.foreach(files, _attachment),
            aria_label="Attached files",
            class_name="attachment-list",
            style={
                "list_style": "none",
                "padding": "0",
                "margin": "var(--space-2) 0 0",
                "display": "flex",
                "flex_wrap": "wrap",
                "align_items": "flex-end",
                "gap": "var(--space-3)",
            },
        ),
    )
