"""Demo help-center articles: an internet provider's knowledge base and a web agency's.

Besides the public published articles, the ISP gets two Internal and two Draft ones that the
portal must never show. Dates count back from today so the knowledge base looks current.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from portal_app.models import Article, ArticleStatus, ArticleVisibility
from portal_app.models.base import utcnow

PUBLIC = ArticleVisibility.PUBLIC
INTERNAL = ArticleVisibility.INTERNAL
PUBLISHED = ArticleStatus.PUBLISHED
DRAFT = ArticleStatus.DRAFT


@dataclass(frozen=True)
class DemoArticle:
    """One article to write, last updated some days ago."""

    slug: str
    title: str
    tags: str
    days_ago: int
    body: str
    visibility: ArticleVisibility = PUBLIC
    status: ArticleStatus = PUBLISHED


ISP_ARTICLES = (
    DemoArticle(
        "slow-internet-speed",
        "Troubleshooting slow internet speed",
        "speed, wifi, router",
        6,
        """If pages load slowly or video keeps buffering, these checks fix most speed problems in a few minutes.

## Measure first

1. Connect a computer to the router **with an Ethernet cable**.
2. Close other apps and pause downloads on every device.
3. Run a test at [our speed test page](https://northwind.example/speedtest) and note the download and upload figures.

A wired result close to your plan's speed means the line is fine and the slowdown is on Wi-Fi.

## If the wired speed is low

- Restart the router (see [Restarting your router](/portal/help/restart-your-router)).
- Check [the outage status](/portal/help/outage-status) for problems in your area.
- Replace an old or damaged Ethernet cable.

## If only Wi-Fi is slow

- Move closer to the router or remove obstacles such as metal shelves and fish tanks.
- Prefer the 5 GHz network for streaming and video calls.
- See [Improving Wi-Fi coverage at home](/portal/help/wifi-coverage) for mesh and placement tips.

Still slow after all this? Open a support ticket with your speed test results and we will check the line.""",
    ),
    DemoArticle(
        "restart-your-router",
        "Restarting your router",
        "router, troubleshooting",
        12,
        """A restart clears most temporary faults: no connection, slow speed or devices that will not join Wi-Fi.

## How to restart

1. Unplug the router's power cable (or press the power button on the back).
2. Wait **30 seconds**.
3. Plug it back in and wait about 3 minutes until the *Internet* light is steady white.

## Lights to look for

| Light | Meaning |
|-------|---------|
| Steady white | Connected |
| Blinking white | Starting up |
| Red | No signal from the fibre line |

> Do not press the **Reset** pinhole: it erases your Wi-Fi name and password.

If the light stays red for over 10 minutes, [check for outages](/portal/help/outage-status) and then contact us.""",
    ),
    DemoArticle(
        "wifi-coverage",
        "Improving Wi-Fi coverage at home",
        "wifi, router, mesh",
        20,
        """Wi-Fi signals weaken through walls and floors. Good placement often doubles the speed in far rooms.

## Place the router well

- Put it high up, in the open and near the middle of your home.
- Keep it away from microwaves, cordless phones and thick walls.
- Do not hide it inside a cabinet.

## Add Managed Wi-Fi points

Large or multi-storey homes benefit from mesh points. With **Managed Wi-Fi** we send extra points that join your
network automatically; place each one halfway between the router and the weak spot.

## Choose the right band

- **5 GHz**: faster, shorter range. Best for streaming and gaming.
- **2.4 GHz**: slower, longer range. Fine for smart-home devices.""",
    ),
    DemoArticle(
        "reading-your-invoice",
        "Reading your invoice",
        "billing, invoice",
        35,
        """Each month's invoice lists what you pay for and when it is due.

## What each part means

- **Invoice number** and **Issued** date: quote the number when you contact us.
- **Service period**: the month the charges cover. Services are billed in advance.
- **Lines**: one per service, such as *Fiber 1 Gbps* or *Static IP address*, with tax shown separately.
- **Balance**: what is still to pay after any payments already received.
- **Due**: pay by this date to avoid the invoice showing as *Overdue*.

## Partly paid invoices

If a payment covered only part of the invoice, its status is *Partially paid* and the balance shows what is left.

## Credits and refunds

If we credit or refund a charge, the next invoice shows it as a credit line and the balance goes down by that
amount.

You can download every invoice as a PDF from the **Billing** tab.""",
    ),
    DemoArticle(
        "payment-methods",
        "Payment methods we accept",
        "billing, payment, card, refunds",
        28,
        """You can pay your invoices in whichever way suits you.

## Ways to pay

- **Card** (Visa, Mastercard, American Express) from the Billing tab when online payments are enabled.
- **Automatic payments**: your card is charged on each invoice's due date.
- **Bank transfer**: use your invoice number as the payment reference.

## Bank transfer details

Send transfers to *Northwind Fiber LLC*, and allow two business days for the payment to appear in your
billing history.

## Refunds

A refund goes back the way you paid: to the same card (within 5 to 10 business days) or, for a bank transfer,
to the account it came from. A refunded payment shows in your billing history with the amount returned.

Questions about a charge? Email [support@northwind.example](mailto:support@northwind.example).""",
    ),
    DemoArticle(
        "moving-house",
        "Moving house with Northwind Fiber",
        "moving, account, installation",
        44,
        """Taking your service with you is simple if you tell us **at least two weeks** before the move.

## Before you move

1. Open a support ticket with your new address and moving date.
2. We check fibre availability at the new address and book an installation slot.
3. Keep your router: it works at the new address.

## On moving day

- Unplug the router and its power supply and pack them together.
- Billing at the old address stops the day the new line is connected; you are never billed twice.

If fibre is not available at your new address, you can end your contract without an early-termination fee.""",
    ),
    DemoArticle(
        "set-up-email",
        "Setting up your email on a phone or computer",
        "email, setup",
        60,
        """Your Northwind mailbox works with any mail app that supports IMAP.

## Server settings

| Setting | Value |
|---------|-------|
| Incoming (IMAP) | `mail.northwind.example`, port 993, SSL/TLS |
| Outgoing (SMTP) | `mail.northwind.example`, port 465, SSL/TLS |
| User name | your full email address |

## Steps

1. Open your mail app and choose **Add account**, then **Other** or **IMAP**.
2. Enter your email address and password.
3. Fill in the server settings above and save.

Forgot your mailbox password? Open a support ticket and we will send a reset link.""",
    ),
    DemoArticle(
        "static-ip-address",
        "Using your static IP address",
        "static ip, router, business",
        75,
        """A static IP address stays the same, so you can host a server, a VPN or a security camera system.

## Find your address

Your static IP is listed on the **Services** tab under *Static IP address*.

## Forward a port to a device

1. Open the router settings at `http://192.168.1.1` and sign in with the password on the router label.
2. Go to **Advanced → Port forwarding**.
3. Add a rule with the port, the protocol (TCP or UDP) and the device's local address.

> Only open the ports you need, and keep the devices behind them up to date.""",
    ),
    DemoArticle(
        "outage-status",
        "Checking for outages in your area",
        "outage, status, connection",
        3,
        """When your connection drops, first check whether there is a known outage.

## Where to look

- Our [network status page](https://status.northwind.example) lists outages and planned maintenance by area.
- Planned maintenance is announced by email at least 48 hours ahead.

## During an outage

- There is no need to open a ticket: our engineers are already working on it.
- The status page shows an estimated time for the fix and is updated every 30 minutes.

If there is no outage listed and restarting your router did not help, open a support ticket.""",
    ),
    DemoArticle(
        "parental-controls",
        "Setting up parental controls",
        "wifi, security, family",
        90,
        """Parental controls let you filter websites and set online time limits for your children's devices.

## Turn on filtering

1. Open the router settings at `http://192.168.1.1`.
2. Go to **Security → Parental controls** and switch on *Family filter*.
3. Choose a filter level: *Young children*, *Teens* or *Custom*.

## Set time limits

- Pick a device from the list (name it first so it is easy to find).
- Add a schedule, for example *no internet on school nights after 21:00*.

Filtering happens on the router, so it covers every device on your Wi-Fi.""",
    ),
    DemoArticle(
        "upgrade-your-plan",
        "Upgrading your plan",
        "plan, speed, account",
        15,
        """Need more speed? You can move to a faster plan at any time, without a new contract.

## Plans

- **Fiber 300**: for one or two people streaming and working from home.
- **Fiber 1 Gbps**: for busy households, gaming and large uploads.
- **Fiber 2 Gbps**: for home offices and heavy cloud backups.

## How to upgrade

1. Open a support ticket with the subject *Plan upgrade* and the plan you want.
2. The new speed is active within one business day; no visit is needed.
3. Your next invoice is prorated for the days on the faster plan.""",
    ),
    DemoArticle(
        "cancel-and-contract-terms",
        "Cancelling your service and contract terms",
        "account, contract, cancel",
        120,
        """We are sorry to see you go. Here is how cancelling works.

## Notice period

- Month-to-month plans need **30 days'** notice.
- Plans with a 12- or 24-month term can be cancelled early for a fee equal to one month per remaining
  quarter, up to three months.

## How to cancel

1. Open a support ticket with the subject *Cancel service* and your preferred end date.
2. We confirm the end date and any final charges by email.
3. Return the router in the prepaid box we send you within 30 days.

Your final invoice covers service up to the end date; any credit is refunded to your payment method.""",
    ),
    DemoArticle(
        "escalation-playbook",
        "Escalation playbook for line faults",
        "internal, support, speed",
        8,
        """Staff only: when a customer reports slow speed, check the OLT light levels before booking a technician.""",
        visibility=INTERNAL,
    ),
    DemoArticle(
        "billing-credit-policy",
        "Goodwill credit policy",
        "internal, billing",
        25,
        """Staff only: agents may credit up to one month of service for outages longer than 24 hours.""",
        visibility=INTERNAL,
    ),
    DemoArticle(
        "fiber-5-gbps-launch",
        "Fiber 5 Gbps is coming",
        "plan, speed",
        2,
        """Draft: announcement of the 5 Gbps plan. Pricing not final; do not publish before launch.""",
        status=DRAFT,
    ),
    DemoArticle(
        "router-firmware-update",
        "Router firmware update (draft)",
        "router, update",
        1,
        """Draft: firmware 4.2 changes the Wi-Fi settings page. Screenshots to follow.""",
        status=DRAFT,
    ),
)

AGENCY_ARTICLES = (
    DemoArticle(
        "request-website-change",
        "Requesting a change to your website",
        "website, support",
        10,
        """Small changes (text, images, a new page) are included in your care plan.

## What to send us

- The page address and what should change.
- New text and images, attached to the ticket.
- When it should go live.

Most requests are done within **two business days**; larger ones get a quote first.""",
    ),
    DemoArticle(
        "website-hosting-and-backups",
        "Hosting and backups",
        "hosting, backup",
        30,
        """Your website is hosted in Dublin and backed up every night.

## Backups

- Nightly backups are kept for 30 days.
- Ask us to restore any of them with a support ticket.

See our [hosting status page](https://status.harbor.example) for maintenance windows.""",
    ),
    DemoArticle(
        "project-milestones",
        "How project milestones and invoices work",
        "projects, billing",
        45,
        """Each project is billed in milestones: **discovery**, **design**, **build** and **launch**.

1. You approve each milestone in writing.
2. We invoice the milestone when you approve it.
3. Payment is due within 14 days.""",
    ),
)


def _write(db: Session, organisation_id: int, articles: tuple[DemoArticle, ...]) -> None:
    now = utcnow()
    for item in articles:
        updated = now - timedelta(days=item.days_ago)
        db.add(
            Article(
                organisation_id=organisation_id,
                slug=item.slug,
                title=item.title,
                body_markdown=item.body,
                tags=item.tags,
                visibility=item.visibility,
                status=item.status,
                created_at=updated - timedelta(days=30),
                updated_at=updated,
            )
        )
    db.flush()


def seed_help_articles(db: Session, organisation_id: int) -> None:
    """An internet provider's help center: 12 public articles, plus 2 internal and 2 draft ones."""
    _write(db, organisation_id, ISP_ARTICLES)


def seed_agency_articles(db: Session, organisation_id: int) -> None:
    """A web agency's help center: 3 public articles."""
    _write(db, organisation_id, AGENCY_ARTICLES)
