"""The pack format, defined once.

These pydantic models are the single source of truth for what a policy pack may contain: `lint`
validates against them, `packgate schema` exports them as JSON Schema, and the runtime reads its
configuration through them. Every model forbids unknown keys and validates strictly (a string is
not silently turned into a number or a boolean), so a typo is an error with a location, never a
setting that quietly does nothing.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

POLICY_NAMES: tuple[str, ...] = (
    "rbac",
    "data-routing-policy",
    "hipaa-phi-detector",
    "pii-detector",
    "healthcare-compliance",
    "human-oversight",
    "audit-logger",
    "crisis-detection",
    "prompt-guard",
)
DETECTOR_POLICIES: tuple[str, ...] = ("hipaa-phi-detector", "pii-detector")
SENSITIVITY_TIERS: tuple[str, ...] = ("public", "internal", "confidential", "restricted")

Sensitivity = Literal["public", "internal", "confidential", "restricted"]
Action = Literal["redact", "block"]

NAME_PATTERN = r"^[a-z][a-z0-9-]{0,62}$"
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
HEADER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]{0,127}$"
CUSTOM_NAME_PATTERN = r"^[A-Z][A-Z0-9_]{0,62}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=False, frozen=True)


# --- pack and targets -------------------------------------------------------------------------


class PackMeta(Strict):
    name: str = Field(pattern=NAME_PATTERN, description="Route name; becomes the Rego package.")
    version: str = Field(min_length=1, max_length=64, description="Pack version, quoted if numeric.")
    enabled: bool = Field(True, description="A disabled pack answers every request with 503.")
    description: str | None = Field(None, max_length=2000)


class LocalAttestation(Strict):
    """A signed-off statement that a target on a public host name still processes data locally."""

    by: str = Field(min_length=1, max_length=200, description="Who attests (name, role).")
    reason: str = Field(min_length=1, max_length=2000, description="Why (e.g. private endpoint, BAA, ticket).")


class DataPolicy(Strict):
    """What a target declares about how it handles data. Undeclared means non-compliant."""

    zero_data_retention: bool | None = None
    training_opt_out: bool | None = None
    retention_days: int | None = Field(None, ge=0)
    in_memory_only: bool | None = None
    sanitized: bool | None = None
    accepts_tokenized_input: bool | None = None
    allow_internet_egress: bool | None = None
    local_only_processing: bool | None = None
    local_processing_attestation: LocalAttestation | None = Field(
        None, description="The only override of lint's public-host error for a local claim; recorded in the bundle's manifest.",
    )


class Target(Strict):
    id: str = Field(pattern=ID_PATTERN)
    provider: Literal["ollama", "openai"] = Field(
        description="`ollama` (/api/chat) or `openai` (any OpenAI-compatible /v1/chat/completions)."
    )
    model: str = Field(min_length=1, max_length=256)
    base_url: str = Field(pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$", max_length=2048)
    api_key_env: str | None = Field(
        None, pattern=r"^[A-Z_][A-Z0-9_]*$", description="Environment variable holding the key."
    )
    timeout_s: float = Field(60.0, gt=0, le=600)
    data_policy: DataPolicy = Field(default_factory=DataPolicy)


class Providers(Strict):
    targets: list[Target] = Field(min_length=1)
    ca_bundle: str | None = Field(
        None, min_length=2, max_length=4096,
        description="Absolute path of a PEM CA bundle that https:// targets are verified against instead of the system trust store.",
    )


class Chain(Strict):
    chain: list[str] = Field(min_length=1, description="Policies in evaluation order.")


# --- policies ---------------------------------------------------------------------------------


class RoleTools(Strict):
    allowed_tools: list[str] = Field(default_factory=list, description='Tool names; "*" allows all.')
    denied_tools: list[str] = Field(default_factory=list, description='Tool names; "*" denies all.')


class RoleData(Strict):
    max_sensitivity: Sensitivity


class MinimumNecessary(Strict):
    enabled: bool = True
    allowed_phi_roles: list[str] = Field(default_factory=list)


class Jwt(Strict):
    algorithm: Literal["HS256", "RS256"] = "HS256"
    issuer: str | None = None
    audience: str | None = None
    user_claim: str = "sub"
    role_claim: str = "role"
    leeway_s: int = Field(30, ge=0, le=600)
    max_lifetime_s: int = Field(
        86400, ge=60, le=31 * 86400,
        description="Longest accepted token validity (exp - now, and exp - iat); longer: 401 invalid_token.",
    )


class Rbac(Strict):
    deny_if_missing: list[str] = Field(default_factory=list)
    roles: dict[str, RoleTools] = Field(default_factory=dict)
    data_access: dict[str, RoleData] = Field(default_factory=dict)
    minimum_necessary: MinimumNecessary | None = None
    require_auth: bool = Field(
        False, description="Identity only from a verified bearer JWT; role headers are ignored."
    )
    jwt: Jwt | None = None


class DataRouting(Strict):
    require_zero_data_retention: bool = False
    require_training_opt_out: bool = False
    require_in_memory_only: bool = False
    max_retention_days: int | None = Field(None, ge=0)
    sanitize_before_provider: bool = False
    tokenize_sensitive_fields: bool = False
    allow_internet_egress: bool | None = None
    local_only_processing: bool = False
    on_no_compliant_provider: Literal["block"] = "block"
    log_provider_selection: bool = False


class Redaction(Strict):
    marker_format: Literal["label", "token", "asterisk", "partial"] = "label"
    include_metadata: bool = False
    preserve_length: bool = False
    restore_tokens: bool = Field(
        False, description="With `token` markers, put the original values back into the output."
    )


class HipaaPhiDetector(Strict):
    action: Action = "redact"
    mode: Literal["hipaa_18"] = "hipaa_18"
    safe_harbor_method: bool = False
    redaction: Redaction = Field(default_factory=Redaction)


class DetectPattern(Strict):
    name: str = Field(pattern=CUSTOM_NAME_PATTERN, description="Finding category CUSTOM_<name>.")
    pattern: str = Field(min_length=1, max_length=1000, description="RE2 syntax.")


class PiiDetector(Strict):
    action: Action = "redact"
    healthcare_mode: bool = False
    pci_mode: bool = False
    detect_patterns: list[DetectPattern] = Field(default_factory=list)
    redaction: Redaction = Field(default_factory=Redaction)


class HealthcareCompliance(Strict):
    blocked_patterns: list[str] = Field(default_factory=list, description="RE2, case-insensitive.")
    required_disclaimers: list[str] = Field(default_factory=list)
    fda_class: Literal["I", "II", "III"] | None = None


class HumanOversight(Strict):
    """A review stop on delivery: `escalate` holds each answer (sealed) until a reviewer releases it."""

    action: Literal["escalate", "block"] = "escalate"
    review_deadline: str = Field(
        "4h", pattern=r"^[1-9][0-9]{0,5}(s|m|h)$",
        description="How long a held answer waits for a reviewer before it expires (e.g. 30m, 4h).",
    )
    urgent_deadline: str = Field(
        "30m", pattern=r"^[1-9][0-9]{0,5}(s|m|h)$",
        description="The deadline for urgent escalations (crisis-detection with action escalate on this route).",
    )
    reviewer_roles: list[str] = Field(
        default_factory=lambda: ["reviewer"], min_length=1, max_length=32,
        description="Roles (the bearer JWT's role claim, verified as rbac.jwt says) that may review.",
    )
    notify_url: str | None = Field(
        None, pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$", max_length=2048,
        description="Webhook POSTed (HMAC-signed, no PHI) on new escalations and on resolution.",
    )
    notify_secret_env: str = Field("PACKGATE_REVIEW_NOTIFY_SECRET", pattern=r"^[A-Z_][A-Z0-9_]*$")


class CrisisDetection(Strict):
    """Crisis indicators (suicidal ideation, self-harm, harm to others, abuse disclosure) in user
    messages (`input`) and model answers (`output`); see the README (Safeguards)."""

    scope: list[Literal["input", "output"]] = Field(default_factory=lambda: ["input"], min_length=1)
    audience: Literal["patient", "clinician"] = Field(
        "patient", description="clinician: only the writer's own first-person statements count, never a note about a patient."
    )
    action: Literal["respond", "escalate", "flag"] = "respond"
    response: str = Field(
        "If you are in immediate danger, call or text 988 (Suicide & Crisis Lifeline) or 911.",
        min_length=1, max_length=2000, description="The answer on a respond route (the model is not called).",
    )
    min_confidence: float = Field(0.6, ge=0, le=1, description="Findings below this confidence are ignored.")
    notify_url: str | None = Field(
        None, pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$", max_length=2048,
        description="Urgent, signed notification (no message text) on respond and escalate.",
    )
    notify_secret_env: str = Field("PACKGATE_NOTIFY_SECRET", pattern=r"^[A-Z_][A-Z0-9_]*$")


class PromptGuard(Strict):
    """A pinned system prompt, client system messages, and prompt-injection findings."""

    system_prompt: str | None = Field(None, min_length=1, max_length=20000, description="Sent first on every request.")
    client_system_messages: Literal["refuse", "replace", "keep"] = "refuse"
    injection: Literal["block", "flag"] = "block"


class AuditLogger(Strict):
    retention_days: int = Field(2190, ge=1, description="Default: six years (HIPAA).")


class Policies(Strict):
    rbac: Rbac | None = None
    data_routing_policy: DataRouting | None = Field(None, alias="data-routing-policy")
    hipaa_phi_detector: HipaaPhiDetector | None = Field(None, alias="hipaa-phi-detector")
    pii_detector: PiiDetector | None = Field(None, alias="pii-detector")
    healthcare_compliance: HealthcareCompliance | None = Field(None, alias="healthcare-compliance")
    human_oversight: HumanOversight | None = Field(None, alias="human-oversight")
    audit_logger: AuditLogger | None = Field(None, alias="audit-logger")
    crisis_detection: CrisisDetection | None = Field(None, alias="crisis-detection")
    prompt_guard: PromptGuard | None = Field(None, alias="prompt-guard")

    def get(self, name: str) -> Strict | None:
        """The configuration of the policy called `name` in YAML, or None."""
        return getattr(self, name.replace("-", "_"), None)

    def configured(self) -> list[str]:
        return [n for n in POLICY_NAMES if self.get(n) is not None]


# --- pack tests -------------------------------------------------------------------------------


class Expect(Strict):
    allow: bool | None = None
    status: int | None = None
    code: str | None = None
    action: Literal["deliver", "block", "escalate"] | None = None
    target: str | None = None
    excluded_targets: list[str] | None = None
    transforms: list[str] | None = Field(None, description="Policies that must emit a transform.")
    disclaimers: list[str] | None = None


class PackTest(Strict):
    name: str = Field(min_length=1, max_length=200)
    phase: Literal["request", "response"] = "request"
    input: dict[str, Any]
    expect: Expect


class Pack(Strict):
    pack: PackMeta
    providers: Providers
    policies: Chain
    policy: Policies = Field(default_factory=Policies)
    tests: list[PackTest] = Field(default_factory=list)


def json_schema() -> dict[str, Any]:
    """JSON Schema of the pack format, for editors (yaml-language-server) and docs."""
    schema = Pack.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "packgate policy pack"
    return schema
