"""Every model of S3 Desk; import from here."""

from storage.models.applications import (
    CHALLENGES,
    COHESION_CATEGORIES,
    TOPICS,
    Application,
    Cutoff,
    Note,
    RefCounter,
    Region,
)
from storage.models.audit import AuditEntry
from storage.models.base import Base, utcnow
from storage.models.delivery import MILESTONES, Assignment, Expert, Milestone
from storage.models.evaluation import (
    OUTCOMES,
    ApplicantNotification,
    ConflictDeclaration,
    ConsensusScore,
    Decision,
    EvaluatorAssignment,
    NotificationTemplate,
    RubricCriterion,
    Score,
)
from storage.models.letters import LETTER_KINDS, Letter
from storage.models.messaging import (
    OUTBOX_STATUSES,
    PLACE_PURPOSES,
    OutboxMessage,
    Place,
    ProcessedEvent,
    Setting,
    ThreadLink,
)
from storage.models.people import (
    PLATFORMS,
    ROLES,
    Identity,
    LinkCode,
    Person,
    PersonRole,
    Role,
)

__all__ = [
    "CHALLENGES",
    "COHESION_CATEGORIES",
    "LETTER_KINDS",
    "MILESTONES",
    "OUTBOX_STATUSES",
    "OUTCOMES",
    "PLACE_PURPOSES",
    "PLATFORMS",
    "ROLES",
    "TOPICS",
    "ApplicantNotification",
    "Application",
    "Assignment",
    "AuditEntry",
    "Base",
    "ConflictDeclaration",
    "ConsensusScore",
    "Cutoff",
    "Decision",
    "EvaluatorAssignment",
    "Expert",
    "Identity",
    "Letter",
    "LinkCode",
    "Milestone",
    "Note",
    "NotificationTemplate",
    "OutboxMessage",
    "Person",
    "PersonRole",
    "Place",
    "ProcessedEvent",
    "RefCounter",
    "Region",
    "Role",
    "RubricCriterion",
    "Score",
    "Setting",
    "ThreadLink",
    "utcnow",
]
