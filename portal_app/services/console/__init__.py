"""The provider console's services: the organisation's customers and their portal users, payment settings and the
audit log, for the organisation's administrators (services/access.py: `admin_scope`, `staff_customer`)."""
