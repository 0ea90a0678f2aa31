"""Programme rules the core needs: its clock, calendar, and evaluation defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class ProgrammeConfig:
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Brussels"))
    # a cut-off every N months, on the last day of the month
    cutoff_interval_months: int = 3
    evaluators_per_case: int = 2
    # a spread this large on one criterion asks for a consensus discussion
    divergence_spread: int = 3
    # days after a cut-off closes by which evaluators must have scored
    evaluation_days: int = 21
    # days after a decision by which every applicant must be informed
    notify_within_days: int = 10
    reminder_days_before: tuple[int, ...] = (14, 7, 1)
    reminder_hour: int = 9
    page_size: int = 20
    # how long contact data of closed cases is kept (days)
    retention_days: int = 730
    # an assignment's milestones fall due this many days after the expert is assigned
    milestone_offsets: tuple[tuple[str, int], ...] = (
        ("kickoff", 14), ("work_plan", 42), ("mid_term", 120), ("final_deliverable", 210),
        ("closure", 240),
    )
    # a milestone due within this many days is announced as due soon
    milestone_warning_days: int = 7
    # days of an expert's quarter an assignment takes unless the secretariat says otherwise
    assignment_days: int = 10
    # where `s3desk serve` is reached from outside, for the addresses the desk hands out
    public_url: str | None = None
    # the calendar feed's token when the operator sets one; kept out of every repr
    calendar_token: str | None = field(default=None, repr=False)
    # applicants' letters go out by e-mail (an SMTP server is set up); otherwise they stay
    # drafts the secretariat sends itself and records with `notified`
    letters_by_email: bool = False
    # the domain of the letters' Message-IDs: the sender address's
    mail_domain: str = "s3desk.invalid"
