"""What the law asks of a project, computed from its sheet: pure functions over plain
values, so they are unit-tested on a table of cases and shown on the project page with
their reasons (each reason names the legal reference it applies).

- ``dpia_assessment``: is a data-protection impact assessment (AIPD) required? GDPR art. 35:
  two or more of the nine EDPB criteria, or a type on the CNIL list;
- ``ai_act_assessment``: the AI Act risk tier and the deployer duties that follow;
- ``crpa_assessment``: the algorithm-transparency duties of the CRPA.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from territoire.governance import legal
from territoire.governance.legal import LegalItem


@dataclass(frozen=True)
class ProjectFacts:
    """The sheet's answers the assessments read (a Project gives them with ``facts()``)."""

    personal_data: bool = False
    sensitive_data: bool = False
    vulnerable_people: bool = False
    large_scale: bool = False
    is_ai: bool = False
    individual_decisions: bool = False
    fully_automated: bool = False
    edpb_criteria: frozenset[str] = frozenset()  # criteria ticked by the project team
    cnil_cases: frozenset[str] = frozenset()
    ai_uses: frozenset[str] = frozenset()
    public_body: bool = True  # the CUA and communes are bodies governed by public law
    agents_count: int | None = None  # of the administration deciding (CRPA inventory threshold)
    inhabitants: int | None = None


@dataclass(frozen=True)
class Reason:
    text: str
    reference: str = ""
    url: str = ""

    @classmethod
    def of(cls, item: LegalItem, text: str | None = None) -> Reason:
        return cls(text or item.label, item.reference, item.url)


@dataclass(frozen=True)
class Assessment:
    code: str  # "required"/"not_required", a risk tier, "applies"/"not_applicable"
    label: str
    reasons: tuple[Reason, ...] = ()
    duties: tuple[Reason, ...] = field(default=())


# --- DPIA --------------------------------------------------------------------------------


def edpb_criteria_met(facts: ProjectFacts) -> dict[str, str]:
    """The EDPB criteria met, with what in the sheet meets each: some follow from other
    answers (sensitive data, vulnerable people, AI, automated decisions), the rest are ticked."""
    met: dict[str, str] = {code: "coché sur la fiche" for code in facts.edpb_criteria}
    derived = {
        "sensitive": (facts.sensitive_data, "la fiche déclare des données sensibles"),
        "vulnerable": (facts.vulnerable_people, "la fiche déclare des personnes vulnérables"),
        "large_scale": (facts.large_scale, "la fiche déclare un traitement à grande échelle"),
        "innovative": (facts.is_ai, "le projet utilise de l'intelligence artificielle"),
        "automated_decision": (
            facts.individual_decisions and facts.fully_automated,
            "des décisions individuelles sont prises sans intervention humaine",
        ),
    }
    for code, (applies, why) in derived.items():
        if applies and code not in met:
            met[code] = why
    return {code: met[code] for code in legal.EDPB_CRITERIA if code in met}


def dpia_assessment(facts: ProjectFacts) -> Assessment:
    if not facts.personal_data:
        return Assessment(
            "not_required",
            "AIPD non requise",
            (Reason("Le projet ne traite pas de données personnelles.", "RGPD, art. 35"),),
        )
    cases = [legal.CNIL_CASES[code] for code in legal.CNIL_CASES if code in facts.cnil_cases]
    criteria = edpb_criteria_met(facts)
    reasons = [Reason.of(item, f"Cas de la liste CNIL : {item.label}") for item in cases]
    reasons += [
        Reason.of(legal.EDPB_CRITERIA[code], f"Critère : {legal.EDPB_CRITERIA[code].label} ({why})")
        for code, why in criteria.items()
    ]
    if cases or len(criteria) >= legal.DPIA_THRESHOLD:
        if not cases:
            reasons.append(
                Reason(
                    f"{len(criteria)} critères sur 9 sont remplis (AIPD requise à partir de "
                    f"{legal.DPIA_THRESHOLD}).",
                    legal.EDPB_GUIDELINES,
                    legal.EDPB_URL,
                )
            )
        return Assessment("required", "AIPD requise", tuple(reasons))
    reasons.append(
        Reason(
            f"{len(criteria)} critère sur 9 rempli et aucun cas de la liste CNIL : l'AIPD n'est "
            "pas obligatoire (elle reste recommandée en cas de doute).",
            legal.EDPB_GUIDELINES,
            legal.EDPB_URL,
        )
    )
    return Assessment("not_required", "AIPD non requise", tuple(reasons))


# --- AI Act ------------------------------------------------------------------------------

AI_TIER_LABELS = {
    "prohibited": "Pratique interdite",
    "high": "Risque élevé",
    "limited": "Risque limité (transparence)",
    "minimal": "Risque minimal",
    "out_of_scope": "Hors champ (pas un système d'IA)",
}


def _duty(code: str) -> Reason:
    return Reason.of(legal.DEPLOYER_DUTIES[code])


def ai_act_assessment(facts: ProjectFacts) -> Assessment:
    """The highest tier any declared use reaches, and the deployer duties that follow."""
    if not facts.is_ai:
        return Assessment(
            "out_of_scope",
            AI_TIER_LABELS["out_of_scope"],
            (
                Reason.of(
                    legal.AI_SYSTEM_DEFINITION,
                    "Le projet n'utilise pas d'intelligence artificielle (règles explicites "
                    "ou calcul déterministe) : le règlement ne s'applique pas.",
                ),
            ),
        )
    uses = facts.ai_uses
    prohibited = [item for code, item in legal.PROHIBITED_USES.items() if code in uses]
    if prohibited:
        return Assessment(
            "prohibited",
            AI_TIER_LABELS["prohibited"],
            tuple(Reason.of(item, f"Usage interdit : {item.label}") for item in prohibited),
            (_duty("stop"),),
        )
    high = [(code, item) for code, item in legal.HIGH_RISK_USES.items() if code in uses]
    limited = [(code, item) for code, item in legal.LIMITED_RISK_USES.items() if code in uses]
    transparency = [
        _duty(
            {"interacts": "transparency_chatbot", "generates_content": "transparency_content"}.get(
                code, "transparency_emotion"
            )
        )
        for code, _item in limited
    ]
    literacy = Reason.of(legal.AI_LITERACY, "Former les agents qui utilisent le système")
    if high:
        codes = {code for code, _item in high}
        duties = [
            _duty(c) for c in ("instructions_oversight", "logs", "monitoring", "inform_persons")
        ]
        if "employment" in codes:
            duties.append(_duty("inform_workers"))
        # Art. 27 and art. 49(3) exclude point 2 (critical infrastructure), which art. 49(5)
        # registers nationally instead.
        if facts.public_body and codes - {"critical_infrastructure"}:
            duties += [_duty("fria"), _duty("registration_eu")]
        if "critical_infrastructure" in codes:
            duties.append(_duty("registration_national"))
        return Assessment(
            "high",
            AI_TIER_LABELS["high"],
            tuple(Reason.of(item, f"Usage à haut risque : {item.label}") for _c, item in high),
            tuple([*duties, *transparency, literacy]),
        )
    if limited:
        return Assessment(
            "limited",
            AI_TIER_LABELS["limited"],
            tuple(
                Reason.of(item, f"Obligation de transparence : {item.label}")
                for _c, item in limited
            ),
            tuple([*transparency, literacy]),
        )
    return Assessment(
        "minimal",
        AI_TIER_LABELS["minimal"],
        (
            Reason(
                "Système d'IA sans usage interdit, à haut risque ni soumis à transparence.",
                legal.AI_ACT,
                legal.AI_ACT_URL,
            ),
        ),
        (literacy,),
    )


# --- CRPA --------------------------------------------------------------------------------


def crpa_assessment(facts: ProjectFacts) -> Assessment:
    if not facts.individual_decisions:
        return Assessment(
            "not_applicable",
            "Obligations CRPA non applicables",
            (
                Reason(
                    "Le traitement ne fonde pas de décision administrative individuelle.",
                    "CRPA, art. L311-3-1",
                    legal.LEGIFRANCE,
                ),
            ),
        )
    duties = [Reason.of(legal.CRPA_DUTIES["mention"]), Reason.of(legal.CRPA_DUTIES["on_request"])]
    reasons = [
        Reason(
            "Des décisions administratives individuelles sont prises sur le fondement d'un "
            "traitement algorithmique, quel que soit le degré d'intervention humaine.",
            "CRPA, art. L311-3-1",
            legal.LEGIFRANCE,
        )
    ]
    # A commune of 3,500 inhabitants or fewer is taken to have 50 agents or fewer unless the
    # sheet says otherwise.
    below_threshold = (
        facts.inhabitants is not None and facts.inhabitants <= legal.INVENTORY_MIN_INHABITANTS
    ) and (facts.agents_count is None or facts.agents_count <= legal.INVENTORY_MIN_AGENTS)
    if below_threshold:
        reasons.append(
            Reason(
                "Administration de 50 agents au plus : la publication à l'inventaire n'est "
                "pas obligatoire (elle reste recommandée).",
                "CRPA, art. L312-1-3",
                legal.LEGIFRANCE,
            )
        )
    else:
        duties.append(Reason.of(legal.CRPA_DUTIES["inventory"]))
    if facts.fully_automated:
        duties.append(Reason.of(legal.CRPA_DUTIES["fully_automated"]))
    return Assessment("applies", "Obligations CRPA applicables", tuple(reasons), tuple(duties))


@dataclass(frozen=True)
class Screening:
    dpia: Assessment
    ai_act: Assessment
    crpa: Assessment

    @property
    def dpia_required(self) -> bool:
        return self.dpia.code == "required"

    @property
    def fria_required(self) -> bool:
        """AI Act art. 27: the fundamental-rights impact assessment is among the duties."""
        return _duty("fria") in self.ai_act.duties

    def items(self) -> list[tuple[str, Assessment]]:
        return [
            ("Analyse d'impact sur la protection des données (AIPD)", self.dpia),
            ("Règlement européen sur l'IA", self.ai_act),
            ("Transparence des algorithmes publics (CRPA)", self.crpa),
        ]


def screen(facts: ProjectFacts) -> Screening:
    return Screening(dpia_assessment(facts), ai_act_assessment(facts), crpa_assessment(facts))
