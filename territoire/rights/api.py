"""Rights API: the benefits the simulator knows, one simulation (nothing stored), and the
advisers' list of probable unclaimed rights of their communes."""

from datetime import date
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from territoire.core.api import person_of, principal_of
from territoire.core.pagination import ApiPagination
from territoire.core.permissions import require
from territoire.core.selectors import commune_find
from territoire.rights import engine, selectors
from territoire.rights.catalogue import BENEFITS, CAUTION, CSS
from territoire.rights.explain import explain
from territoire.rights.situation import (
    CURRENT_BENEFITS,
    INCAPACITY_RATES,
    RESOURCES,
    Activity,
    Housing,
    Person,
    School,
    Situation,
)
from territoire.rights.views import current_period

router = Router(tags=["Zéro non-recours"])

Amount = Field(ge=0, le=100_000)


class BenefitOut(Schema):
    code: str
    label: str
    openfisca_variable: str
    institution: str
    claim_url: str
    documents: list[str]
    yearly: bool


@router.get("/benefits", response=list[BenefitOut], summary="Aides nationales calculées")
def benefits_list(request: HttpRequest):
    return [
        BenefitOut(
            code=b.code,
            label=b.label,
            openfisca_variable=b.variable,
            institution=b.institution,
            claim_url=b.claim_url,
            documents=list(b.documents),
            yearly=b.yearly,
        )  # fmt: skip
        for b in (*BENEFITS, CSS)
    ]


class PersonIn(Schema):
    birth_date: date
    activity: Literal[tuple(a.value for a in Activity)] = "inactif"  # type: ignore[valid-type]
    disabled: bool = False
    incapacity: Literal[tuple(INCAPACITY_RATES)] = ""  # type: ignore[valid-type]
    work_restriction: bool = False
    pregnant: bool = False
    school: Literal[tuple(s.value for s in School)] = "inconnue"  # type: ignore[valid-type]
    resources: dict[Literal[tuple(RESOURCES)], list[Decimal]] = Field(  # type: ignore[valid-type]
        default_factory=dict,
        description="Montants nets mensuels, du mois dernier au plus ancien (12 au plus). "
        "salary, unemployment, pension, alimony : revenus nets ; micro_sales, "
        "micro_services, micro_liberal : chiffre d'affaires de micro-entrepreneur "
        "(vente, services, libéral) ; bic_profit, bnc_profit : bénéfice annuel du régime "
        "réel divisé par 12 ; rental : revenus locatifs ; capital : revenus de placements",
    )


class SituationIn(Schema):
    adults: list[PersonIn] = Field(min_length=1, max_length=2)
    children: list[PersonIn] = Field(default_factory=list, max_length=12)
    commune: str = Field(description="Code INSEE de la commune de résidence (CUA)")
    housing: Literal[tuple(h.value for h in Housing)]  # type: ignore[valid-type]
    rent: Decimal = Field(Decimal(0), ge=0, le=100_000)
    current_benefits: dict[str, Decimal] = Field(
        default_factory=dict, description="Prestations reçues : code → montant mensuel"
    )
    reference_income: Decimal | None = Field(None, ge=0, le=10_000_000)


class ResultOut(Schema):
    code: str
    label: str
    monthly_amount: float
    amount: float = Field(description="Montant donné par OpenFisca (annuel si yearly)")
    yearly: bool
    note: str
    why: str
    institution: str
    claim_url: str
    documents: list[str]


class SimulationOut(Schema):
    period: str
    housing_zone: str
    monthly_total: float
    benefits: list[ResultOut]
    caution: str


def _person(data: PersonIn) -> Person:
    if not date(1900, 1, 1) <= data.birth_date <= date.today():
        raise ValidationError({"birth_date": "Date de naissance non plausible."})
    resources: dict[str, tuple[float, ...]] = {}
    for kind, values in data.resources.items():
        if len(values) > 12 or any(not 0 <= v <= 100_000 for v in values):
            raise ValidationError(
                {"resources": "12 montants au plus, entre 0 et 100 000 € chacun."}
            )
        resources[kind] = tuple(float(v) for v in values)
    return Person(
        birth_date=data.birth_date, activity=Activity(data.activity), disabled=data.disabled,
        incapacity=data.incapacity if data.disabled else "",
        work_restriction=data.work_restriction, pregnant=data.pregnant,
        school=School(data.school), resources=resources,
    )  # fmt: skip


@router.post("/simulate", response=SimulationOut, summary="Simuler les droits d'un foyer")
def simulate(request: HttpRequest, body: SituationIn):
    """Computes with OpenFisca-France; nothing is stored."""
    principal_of(request)
    if commune_find(insee_code=body.commune) is None:
        raise ValidationError({"commune": "Ce n'est pas une commune de la CUA."})
    unknown = set(body.current_benefits) - set(CURRENT_BENEFITS)
    if unknown or any(not 0 <= v <= 100_000 for v in body.current_benefits.values()):
        raise ValidationError(
            {"current_benefits": "Codes connus : " + ", ".join(CURRENT_BENEFITS) + "."}
        )
    situation = Situation(
        adults=tuple(_person(p) for p in body.adults),
        children=tuple(_person(p) for p in body.children),
        depcom=body.commune,
        housing=Housing(body.housing),
        rent=float(body.rent),
        current_benefits={k: float(v) for k, v in body.current_benefits.items()},
        reference_income=float(body.reference_income)
        if body.reference_income is not None
        else None,
    )
    outcome = engine.simulate(situation, current_period())
    today = date.today()
    return SimulationOut(
        period=outcome.period,
        housing_zone=outcome.zone,
        monthly_total=outcome.monthly_total,
        caution=CAUTION,
        benefits=[
            ResultOut(
                code=r.code,
                label=r.benefit.label,
                monthly_amount=r.monthly,
                amount=r.amount,
                yearly=r.benefit.yearly,
                note=r.note,
                why=explain(r.benefit, situation, zone=outcome.zone, today=today),
                institution=r.benefit.institution,
                claim_url=r.benefit.claim_url,
                documents=list(r.benefit.documents),
            )  # fmt: skip
            for r in outcome.benefits
        ],
    )


class DetectionOut(Schema):
    id: int
    household: str
    commune: str
    benefit: str
    monthly_amount: Decimal
    status: str

    @staticmethod
    def resolve_household(obj) -> str:
        return obj.household.pseudonym[:10]

    @staticmethod
    def resolve_commune(obj) -> str:
        return obj.commune.insee_code


class DetectionFilters(Schema):
    benefit: str = ""
    status: str = ""


@router.get("/detections", response=list[DetectionOut], summary="Droits probablement non réclamés")
@paginate(ApiPagination)
def detections_list(request: HttpRequest, filters: Query[DetectionFilters]):
    """The advisers' list: their communes only, largest amount first."""
    person = person_of(request)
    require(person, "rights.advise")
    return selectors.detections_for(person, benefit=filters.benefit, status=filters.status)
