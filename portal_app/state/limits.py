"""The input limits and rules that forms show, read from the services that enforce them.

Pages import them from here, so a page depends on the state layer only."""

from portal_app.services.accounts.passwords import RULES_TEXT
from portal_app.services.accounts.profile import NAME_MAX
from portal_app.services.help.admin import BODY_MAX as ARTICLE_BODY_MAX
from portal_app.services.help.admin import SLUG_MAX as ARTICLE_SLUG_MAX
from portal_app.services.help.admin import TAGS_MAX as ARTICLE_TAGS_MAX
from portal_app.services.help.admin import TITLE_MAX as ARTICLE_TITLE_MAX
from portal_app.services.support.tickets import COMMENT_MAX, DESCRIPTION_MAX, REOPEN_DAYS, REPLY_MAX, SUBJECT_MAX

__all__ = [
    "ARTICLE_BODY_MAX",
    "ARTICLE_SLUG_MAX",
    "ARTICLE_TAGS_MAX",
    "ARTICLE_TITLE_MAX",
    "COMMENT_MAX",
    "DESCRIPTION_MAX",
    "NAME_MAX",
    "REOPEN_DAYS",
    "REPLY_MAX",
    "RULES_TEXT",
    "SUBJECT_MAX",
]
