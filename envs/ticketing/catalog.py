"""Vocabularies of the ticketing world: knowledge-base procedures, applications, groups and
problems.

Generation draws from these lists with the world's seeded RNG; task templates use them to word
what callers say. Keeping them here keeps the generator about structure, not prose.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Article:
    """A knowledge-base procedure. ``symptom`` is how a caller describes the problem; ``key_step``
    is the distinctive step the analyst must tell a caller it walks through the fix."""

    id: str
    title: str
    category: str
    keywords: str
    steps: tuple[str, ...]
    symptom: str = ""
    key_step: str = ""

    @property
    def body(self) -> str:
        return "\n".join(f"{i}. {s}" for i, s in enumerate(self.steps, 1))


ARTICLES: tuple[Article, ...] = (
    Article(
        "KB0001",
        "Reset your password with self-service",
        "account",
        "password forgot reset self-service portal",
        (
            "Open https://reset.corp.example on any device.",
            "Enter your employee ID and answer your security questions.",
            "Choose a new password of at least 14 characters.",
            "Sign in again on every device with the new password.",
        ),
    ),
    Article(
        "KB0002",
        "Why accounts get locked and how to avoid it",
        "account",
        "locked lockout account failed sign-in attempts",
        (
            "Five wrong passwords in 15 minutes lock the account.",
            "Old passwords saved on a phone or mapped drive retry automatically.",
            "Remove saved passwords from phones and mapped drives after a change.",
            "Call the service desk to unlock the account after verification.",
        ),
    ),
    Article(
        "KB0003",
        "Re-enroll multi-factor authentication on a new phone",
        "account",
        "mfa authenticator new phone two-factor prompts codes",
        (
            "Sign in to https://mysignins.corp.example from your laptop.",
            "Choose Security info, then Add sign-in method.",
            "Pick Authenticator app and scan the QR code with the new phone.",
            "Delete the old phone from the list.",
        ),
        "My authenticator prompts stopped coming after I got a new phone, so I can't approve "
        "sign-ins",
        "scan the QR code",
    ),
    Article(
        "KB0004",
        "Outlook keeps asking for your password",
        "email",
        "outlook password prompt credentials keeps asking",
        (
            "Close Outlook.",
            "Open Credential Manager from the Start menu.",
            "Under Windows Credentials, remove every entry that starts with MicrosoftOffice.",
            "Start Outlook and sign in once.",
        ),
        "Outlook keeps asking me for my password over and over, even though I type it correctly",
        "Credential Manager",
    ),
    Article(
        "KB0005",
        "Mailbox full: archive old mail",
        "email",
        "mailbox full quota storage cannot send archive",
        (
            "In Outlook, open File > Tools > Mailbox Cleanup.",
            "Empty Deleted Items and Junk.",
            "Turn on Online Archive: right-click the mailbox, choose Archive settings, keep 1 "
            "year.",
            "Wait one hour for the archive to move mail.",
        ),
        "Outlook says my mailbox is full and I can't send any email",
        "Online Archive",
    ),
    Article(
        "KB0006",
        "Add a shared mailbox to Outlook",
        "email",
        "shared mailbox add outlook team inbox",
        (
            "Ask the mailbox owner to grant you access.",
            "In Outlook, File > Account Settings > Change > More Settings > Advanced.",
            "Add the shared mailbox name and restart Outlook.",
        ),
    ),
    Article(
        "KB0007",
        "Calendar does not sync on your phone",
        "email",
        "calendar sync phone mobile outlook app",
        (
            "Open the Outlook app on the phone.",
            "Settings > your account > Reset Account.",
            "Wait five minutes with the app open.",
        ),
        "My work calendar stopped syncing to my phone; meetings I accept on the laptop never show "
        "up",
        "Reset Account",
    ),
    Article(
        "KB0008",
        "Set an automatic out-of-office reply",
        "email",
        "out of office automatic reply vacation",
        (
            "In Outlook choose File > Automatic Replies.",
            "Select Send automatic replies and set the dates.",
            "Write separate messages for inside and outside the company.",
        ),
    ),
    Article(
        "KB0009",
        "Recall or replace a sent message",
        "email",
        "recall message sent by mistake",
        (
            "Open the sent message from Sent Items.",
            "Choose Actions > Recall This Message.",
            "Recall works only if the recipient has not opened it.",
        ),
    ),
    Article(
        "KB0010",
        "VPN fails with error 809",
        "network",
        "vpn error 809 connect fails home router",
        (
            "Disconnect and quit the GlobalConnect client.",
            "Switch the VPN protocol to SSL in GlobalConnect settings.",
            "Restart the client and connect to the nearest gateway.",
        ),
    ),
    Article(
        "KB0011",
        "Wi-Fi Corp-Secure says the certificate is invalid",
        "network",
        "wifi wireless corp-secure certificate invalid untrusted",
        (
            "Forget the Corp-Secure network.",
            "Open Company Portal and run the Wi-Fi Profile repair.",
            "Reconnect to Corp-Secure and accept no certificate prompts manually.",
        ),
    ),
    Article(
        "KB0012",
        "Slow network at home",
        "network",
        "slow internet home bandwidth video calls lag",
        (
            "Run a speed test at https://speed.corp.example.",
            "Move closer to the router or use a cable.",
            "Pause cloud sync during calls.",
        ),
    ),
    Article(
        "KB0013",
        "Map the department shared drive",
        "network",
        "shared drive map network drive S: folder",
        (
            "Open File Explorer and choose This PC.",
            "Choose Map network drive, letter S:.",
            "Enter \\\\files.corp.example\\dept and tick Reconnect at sign-in.",
        ),
    ),
    Article(
        "KB0014",
        "Proxy errors in the browser",
        "network",
        "proxy error browser pages do not load",
        (
            "Open Settings > Network > Proxy.",
            "Turn on Automatically detect settings.",
            "Restart the browser.",
        ),
    ),
    Article(
        "KB0015",
        "External monitors not detected on the dock",
        "hardware",
        "monitor dock docking station display not detected external screen",
        (
            "Unplug the dock's power for 30 seconds.",
            "Connect the dock to the laptop's Thunderbolt port (lightning icon).",
            "Install DisplayLink Manager from Company Portal.",
            "Press Win+P and choose Extend.",
        ),
        "My external monitors stay black when I plug the laptop into the docking station",
        "DisplayLink Manager",
    ),
    Article(
        "KB0016",
        "Printer shows offline",
        "hardware",
        "printer offline queue print jobs stuck",
        (
            "Open Settings > Printers and select the printer.",
            "Open the queue and cancel stuck jobs.",
            "Remove the printer and add it again from \\\\print.corp.example.",
        ),
    ),
    Article(
        "KB0017",
        "Laptop battery drains fast",
        "hardware",
        "battery drain power laptop hours",
        (
            "Open Settings > System > Power and choose Best power efficiency.",
            "Close browser tabs that play video.",
            "Run the Battery Report from Company Portal; below 60% health, open an incident.",
        ),
    ),
    Article(
        "KB0018",
        "Webcam not detected in meetings",
        "hardware",
        "webcam camera not detected teams zoom black",
        (
            "Check the privacy shutter above the screen.",
            "Open Settings > Privacy > Camera and allow desktop apps.",
            "Restart the meeting app.",
        ),
        "My webcam shows a black picture in every meeting",
        "privacy shutter",
    ),
    Article(
        "KB0019",
        "Headset microphone not working",
        "hardware",
        "headset microphone mic not working muted",
        (
            "Plug the headset directly into the laptop, not the dock.",
            "In Sound settings set the headset as the default input.",
            "In the meeting app choose the headset as the microphone.",
        ),
    ),
    Article(
        "KB0020",
        "Laptop does not power on",
        "hardware",
        "laptop dead does not power on boot black screen",
        (
            "Connect the original charger for 15 minutes.",
            "Hold the power button for 20 seconds.",
            "If it still does not start, open an incident for Desktop Support.",
        ),
    ),
    Article(
        "KB0021",
        "Keyboard or trackpad unresponsive",
        "hardware",
        "keyboard trackpad unresponsive keys",
        (
            "Restart the laptop.",
            "Check Bluetooth for paired keyboards.",
            "Update drivers from Company Portal.",
        ),
    ),
    Article(
        "KB0022",
        "Excel crashes on startup",
        "software",
        "excel crash startup add-ins safe mode",
        (
            "Hold Ctrl while starting Excel to open it in safe mode.",
            "Choose File > Options > Add-ins and disable COM add-ins.",
            "Restart Excel normally and enable add-ins one by one.",
        ),
        "Excel crashes every time I start it, before any file even opens",
        "safe mode",
    ),
    Article(
        "KB0023",
        "Teams has no sound in calls",
        "software",
        "teams audio sound calls speaker",
        (
            "In Teams choose Settings > Devices.",
            "Pick the right speaker and run a test call.",
            "Clear the Teams cache by signing out and in.",
        ),
        "I can't hear anyone in Teams calls, the other apps have sound",
        "test call",
    ),
    Article(
        "KB0024",
        "Install approved software from Company Portal",
        "software",
        "install software company portal application approved",
        (
            "Open Company Portal from the Start menu.",
            "Search for the application.",
            "Choose Install; no admin rights are needed.",
        ),
    ),
    Article(
        "KB0025",
        "Browser shows old pages: clear the cache",
        "software",
        "browser cache old page clear cookies",
        (
            "Press Ctrl+Shift+Delete.",
            "Choose All time and tick Cached images and files.",
            "Restart the browser.",
        ),
    ),
    Article(
        "KB0026",
        "Zoom cannot share the screen on a Mac",
        "software",
        "zoom screen share mac permission",
        (
            "Open System Settings > Privacy & Security > Screen Recording.",
            "Turn on Zoom.",
            "Quit and reopen Zoom.",
        ),
        "On my Mac, Zoom won't let me share my screen, the others only see a black window",
        "Screen Recording",
    ),
    Article(
        "KB0027",
        "Adobe Acrobat asks for a license",
        "software",
        "adobe acrobat license sign in pdf",
        (
            "Open Acrobat and choose Help > Sign Out.",
            "Sign in again with your work email.",
            "Choose Company or school account.",
        ),
    ),
    Article(
        "KB0028",
        "OneDrive sync is stuck",
        "software",
        "onedrive sync stuck pending files",
        (
            "Click the OneDrive cloud icon and choose Pause syncing for 2 hours.",
            "Resume syncing.",
            "If it stays stuck, choose Settings > Account > Unlink this PC and sign in again.",
        ),
        "OneDrive has been stuck on 'processing changes' for days and my files don't sync",
        "Unlink this PC",
    ),
    Article(
        "KB0029",
        "Windows update keeps failing",
        "software",
        "windows update fails error restart",
        (
            "Restart twice.",
            "Run Windows Update Troubleshooter from Settings.",
            "Open an incident if the update fails three times.",
        ),
    ),
    Article(
        "KB0030",
        "Request access to an application",
        "access",
        "access request application new permissions",
        (
            "Call or write to the service desk with the application's name.",
            "Standard applications are granted the same day.",
            "Sensitive applications need your manager's approval first.",
        ),
    ),
    Article(
        "KB0031",
        "Sensitive applications and approvals",
        "access",
        "sensitive approval manager finance payroll hr",
        (
            "Sensitive applications: SAP Finance, ADP Payroll, Workday HR, AWS Production, "
            "Salesforce, NetSuite.",
            "The service desk sends an approval request to your manager.",
            "Access is granted when the approval is recorded.",
        ),
    ),
    Article(
        "KB0032",
        "Report a phishing email",
        "security",
        "phishing suspicious email report link",
        (
            "Do not click links or open attachments.",
            "Use the Report Phishing button in Outlook.",
            "If you entered your password on a suspicious page, call the service desk at once.",
        ),
    ),
    Article(
        "KB0033",
        "Lost or stolen laptop or phone",
        "security",
        "lost stolen laptop phone device theft",
        (
            "Call the service desk at once; Security will wipe the device.",
            "File a police report for theft.",
            "Your manager orders a replacement.",
        ),
    ),
    Article(
        "KB0034",
        "Encrypt a USB drive",
        "security",
        "usb encrypt bitlocker drive removable",
        (
            "Insert the drive.",
            "Right-click it in File Explorer and choose Turn on BitLocker.",
            "Store the recovery key in your OneDrive.",
        ),
    ),
    Article(
        "KB0035",
        "Local administrator rights",
        "security",
        "admin administrator rights local install elevation",
        (
            "Local administrator rights are not granted to employees.",
            "Install software from Company Portal instead.",
            "Ask app-support to package software that is missing.",
        ),
    ),
    Article(
        "KB0036",
        "Set up a new employee's laptop",
        "hardware",
        "new hire laptop setup onboarding",
        (
            "Sign in with the temporary password from HR.",
            "Enroll multi-factor authentication.",
            "Install the standard apps from Company Portal.",
        ),
    ),
    Article(
        "KB0037",
        "Connect to a meeting room display",
        "hardware",
        "meeting room display hdmi screen share room",
        (
            "Plug the HDMI cable into the laptop.",
            "Press Win+P and choose Duplicate.",
            "Use the room tablet to switch the input.",
        ),
    ),
    Article(
        "KB0038",
        "Phone does not receive work email",
        "email",
        "phone mobile email not receiving outlook app",
        (
            "Open the Outlook app and pull down to refresh.",
            "Check that Company Portal shows the phone as compliant.",
            "Remove and add the account in the Outlook app.",
        ),
    ),
    Article(
        "KB0039",
        "Jira board is empty after login",
        "software",
        "jira board empty filter project",
        (
            "Open the board's filter.",
            "Check that the project key is spelled right.",
            "Ask the project admin for project access.",
        ),
    ),
    Article(
        "KB0040",
        "Print to the office printers from a Mac",
        "hardware",
        "mac printer print office add",
        (
            "Open System Settings > Printers & Scanners.",
            "Add printer by IP from the list on the intranet.",
            "Choose the Generic PostScript driver.",
        ),
    ),
    Article(
        "KB0041",
        "Slack notifications do not arrive",
        "software",
        "slack notifications alerts missing",
        (
            "Open Slack preferences > Notifications.",
            "Check Do Not Disturb hours.",
            "Allow Slack in the operating system's notification settings.",
        ),
        "Slack never notifies me about messages anymore, I only see them when I open it",
        "Do Not Disturb",
    ),
    Article(
        "KB0042",
        "Expired password on a Mac",
        "account",
        "mac password expired keychain login",
        (
            "Change the password at https://reset.corp.example.",
            "On the Mac, sign in with the new password.",
            "Update the login keychain when asked.",
        ),
    ),
    Article(
        "KB0043",
        "Share a calendar with a colleague",
        "email",
        "calendar share delegate colleague",
        (
            "In Outlook, right-click the calendar and choose Sharing permissions.",
            "Add the colleague.",
            "Choose Can view all details.",
        ),
    ),
    Article(
        "KB0044",
        "Bluetooth mouse keeps disconnecting",
        "hardware",
        "bluetooth mouse disconnect lag",
        (
            "Replace the batteries.",
            "Remove the mouse in Bluetooth settings and pair it again.",
            "Plug the receiver into a USB port away from the dock.",
        ),
    ),
)

ARTICLE_BY_ID = {a.id: a for a in ARTICLES}
WALKTHROUGH_ARTICLES = tuple(a for a in ARTICLES if a.symptom)


@dataclass(frozen=True)
class Application:
    id: str
    name: str
    sensitive: bool
    support_group: str
    description: str


APPLICATIONS: tuple[Application, ...] = (
    Application("slack", "Slack", False, "app-support", "Company chat"),
    Application("zoom", "Zoom", False, "app-support", "Video meetings"),
    Application("jira", "Jira", False, "app-support", "Issue tracking"),
    Application("confluence", "Confluence", False, "app-support", "Team wiki"),
    Application("figma", "Figma", False, "app-support", "Design tool"),
    Application("tableau", "Tableau", False, "app-support", "Dashboards and reporting"),
    Application("github", "GitHub", False, "app-support", "Source code hosting"),
    Application("miro", "Miro", False, "app-support", "Online whiteboard"),
    Application("docusign", "DocuSign", False, "app-support", "Electronic signatures"),
    Application(
        "sap-finance", "SAP Finance", True, "app-support", "General ledger and month-end close"
    ),
    Application("adp-payroll", "ADP Payroll", True, "app-support", "Payroll"),
    Application("workday-hr", "Workday HR", True, "app-support", "Employee records"),
    Application("aws-prod", "AWS Production", True, "app-support", "Production cloud console"),
    Application("salesforce", "Salesforce", True, "app-support", "Customer records and deals"),
    Application("netsuite", "NetSuite", True, "app-support", "Purchasing and invoices"),
)
APP_BY_ID = {a.id: a for a in APPLICATIONS}
STANDARD_APPS = tuple(a.id for a in APPLICATIONS if not a.sensitive)
SENSITIVE_APPS = tuple(a.id for a in APPLICATIONS if a.sensitive)

# group id -> (name, categories it handles, tier)
GROUPS: dict[str, tuple[str, str, int]] = {
    "service-desk": ("Service Desk", "account, access; first contact for everything", 1),
    "desktop-support": ("Desktop Support", "hardware", 2),
    "network": ("Network Operations", "network", 2),
    "messaging": ("Messaging", "email", 2),
    "app-support": ("Application Support", "software", 2),
    "identity-access": (
        "Identity and Access",
        "access problems the desk cannot fix (broken roles, SSO)",
        2,
    ),
    "security": ("Security Operations", "security", 2),
}
GROUP_FOR_CATEGORY = {
    "account": "service-desk",
    "access": "service-desk",
    "hardware": "desktop-support",
    "network": "network",
    "email": "messaging",
    "software": "app-support",
    "security": "security",
}

SLA = (
    (1, "critical", 1, 4),
    (2, "high", 2, 8),
    (3, "moderate", 8, 72),
    (4, "low", 24, 120),
    (5, "planning", 48, 240),
)
RESOLVE_HOURS = {p: h for p, _, _, h in SLA}


@dataclass(frozen=True)
class Problem:
    """A problem the desk cannot fix itself: it is logged and routed to a resolver group."""

    category: str
    short: str  # a ticket's short description
    detail: str  # how a caller describes it when asked
    error: str = ""


ROUTED_PROBLEMS: tuple[Problem, ...] = (
    # None of these shares a service with a major incident or has a knowledge-base fix: they must be
    # routed.
    Problem(
        "network",
        "Wired connection stuck at 10 Mbps",
        "my wired connection at the desk is stuck at 10 Mbps and every download crawls",
    ),
    Problem(
        "network",
        "Conference room network down",
        "the network in the big conference room gives no connection at all",
    ),
    Problem(
        "network",
        "No network port working at desk",
        "the network port at my desk gives no connection, the light stays off",
    ),
    Problem(
        "email",
        "External emails bounce",
        "emails I send to outside partners bounce back with 550 5.7.1 relay denied",
        "550 5.7.1",
    ),
    Problem(
        "email",
        "Distribution list missing members",
        "the sales distribution list no longer reaches half of the team",
    ),
    Problem(
        "email",
        "Shared calendar shows wrong times",
        "the team's shared calendar shows every meeting an hour off",
    ),
    Problem(
        "software",
        "ERP client shows runtime error",
        "the ERP desktop client shows 'runtime error 217' and closes",
        "runtime error 217",
    ),
    Problem(
        "software",
        "Licence expired for CAD tool",
        "the CAD tool says the licence server cannot be reached",
    ),
    Problem(
        "software",
        "Browser extension blocked",
        "the expense-scanner extension is blocked by the browser with a policy message",
    ),
    Problem(
        "hardware",
        "Docking station smells burnt",
        "the docking station got very hot and smells burnt; it no longer charges",
    ),
    Problem(
        "hardware", "Laptop screen flickers", "the laptop screen flickers and shows coloured lines"
    ),
    Problem("hardware", "Desk phone has no dial tone", "my desk phone has no dial tone at all"),
)

# Problems of a whole team that no ticket of the world tracks yet and no article fixes: a team
# lead reports them once, for everyone (impact 2), and they are routed.
TEAM_PROBLEMS: tuple[Problem, ...] = (
    Problem(
        "network",
        "Wired network dead for a team's desks",
        "the wired network at all of our team's desks went dead this morning",
    ),
    Problem(
        "software",
        "Team dashboards show no data",
        "every one of our team's Tableau dashboards shows 'no data' since this morning",
    ),
    Problem(
        "email",
        "Team distribution list bounces",
        "mail sent to our team's distribution list bounces back as undeliverable",
    ),
)

# Open incidents affecting many people: the parents that later reports duplicate.
MAJOR_INCIDENTS: tuple[tuple[str, str, str, str], ...] = (
    # (category, short description, how a caller describes it, location)
    (
        "network",
        "VPN gateway down for the London office",
        "the VPN won't connect at all since this morning",
        "London",
    ),
    (
        "email",
        "Email delivery delayed company-wide",
        "my emails are stuck in the outbox and nothing new comes in",
        "Boston",
    ),
    ("software", "ADP Payroll unavailable", "ADP Payroll just shows a 503 error page", "Austin"),
    (
        "network",
        "Wi-Fi outage on the Boston 4th floor",
        "the Wi-Fi on the fourth floor keeps dropping out",
        "Boston",
    ),
    ("software", "Jira returns 502 errors", "Jira keeps giving me 502 Bad Gateway", "Remote"),
    (
        "hardware",
        "Printers on the Austin 2nd floor offline",
        "none of the printers on our floor print anything",
        "Austin",
    ),
)

DEPARTMENTS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    # (id, name, job titles, typical applications)
    (
        "FIN",
        "Finance",
        ("Accountant", "Financial Analyst", "Payroll Specialist", "Controller"),
        ("sap-finance", "adp-payroll", "netsuite", "tableau"),
    ),
    (
        "ENG",
        "Engineering",
        ("Software Engineer", "QA Engineer", "DevOps Engineer", "Engineering Manager"),
        ("github", "jira", "confluence", "aws-prod"),
    ),
    (
        "SAL",
        "Sales",
        ("Account Executive", "Sales Development Rep", "Sales Manager"),
        ("salesforce", "docusign", "tableau"),
    ),
    (
        "MKT",
        "Marketing",
        ("Marketing Specialist", "Content Writer", "Designer"),
        ("figma", "miro", "salesforce"),
    ),
    (
        "HR",
        "People",
        ("HR Generalist", "Recruiter", "HR Business Partner"),
        ("workday-hr", "adp-payroll", "docusign"),
    ),
    (
        "OPS",
        "Operations",
        ("Operations Analyst", "Office Manager", "Facilities Coordinator"),
        ("netsuite", "jira", "docusign"),
    ),
    ("LEG", "Legal", ("Counsel", "Paralegal", "Contracts Manager"), ("docusign", "confluence")),
    (
        "SUP",
        "Customer Support",
        ("Support Specialist", "Support Team Lead"),
        ("salesforce", "jira", "zoom"),
    ),
    (
        "PRD",
        "Product",
        ("Product Manager", "UX Researcher", "Product Designer"),
        ("figma", "jira", "miro", "tableau"),
    ),
    (
        "ITS",
        "IT",
        ("Systems Administrator", "Service Desk Analyst", "IT Manager"),
        ("jira", "confluence", "aws-prod"),
    ),
)
LOCATIONS = ("Boston", "Austin", "London", "Remote")

ASSET_KINDS: tuple[tuple[str, tuple[str, ...], int, float], ...] = (
    # (kind, models, warranty years, share of employees who have one)
    (
        "laptop",
        ("Dell Latitude 7440", "Lenovo ThinkPad T14", "MacBook Pro 14", "HP EliteBook 840"),
        3,
        1.0,
    ),
    ("phone", ("iPhone 14", "iPhone 15", "Samsung Galaxy S23", "Google Pixel 8"), 2, 0.6),
    ("monitor", ("Dell U2723QE", "LG 27UL850", "Samsung ViewFinity S8"), 3, 0.5),
    ("dock", ("Dell WD22TB4", "Lenovo ThinkPad Universal Dock", "CalDigit TS4"), 3, 0.4),
    ("headset", ("Jabra Evolve2 65", "Poly Voyager 4320"), 1, 0.3),
)
