"""Browser tests: Playwright in Debian's Chromium against the portal served by `reflex run --env prod`."""
