"""Demo data: the agencies that fight trafficking in Peru, one user per role and a few hundred synthetic
cases, so `sistra demo` shows a working system on a fresh machine. Loading is idempotent: a second run
creates nothing and changes nothing (a demo user whose password was changed keeps it)."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from sistra.accounts.capabilities import Role
from sistra.accounts.models import Agency, User
from sistra.core.models import DistritoFiscal, Term, Ubigeo

# Documented in README and printed by `sistra demo`: never use demo accounts outside a demo machine.
DEMO_PASSWORD = "Sistra-Demo-2026"
DEMO_CASES = 300
DEMO_SEED = 2026


@dataclass(frozen=True)
class DemoAgency:
    code: str
    name: str
    kind: str
    organisation_type: str = ""  # Term code of the organisation_type vocabulary (HTCDS)
    distrito_fiscal: str = ""
    ubigeo: str = ""


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    agency: str
    first_name: str
    last_name: str


K = Agency.Kind
FISCALIAS = ("fistrap-cusco", "fistrap-lima", "fistrap-madre-de-dios")
AGENCIES = [
    DemoAgency(
        "fistrap-cusco",
        "FISTRAP Cusco — Fiscalía Especializada en Delitos de Trata de Personas",
        K.FISCALIA,
        "fiscalia",
        "cusco",
        "080101",
    ),
    DemoAgency(
        "fistrap-lima",
        "FISTRAP Lima — Fiscalía Especializada en Delitos de Trata de Personas",
        K.FISCALIA,
        "fiscalia",
        "lima-centro",
        "150101",
    ),
    DemoAgency(
        "fistrap-madre-de-dios",
        "FISTRAP Madre de Dios — Fiscalía Especializada en Delitos de Trata de Personas",
        K.FISCALIA,
        "fiscalia",
        "madre-de-dios",
        "170101",
    ),
    DemoAgency(
        "pnp-dirctptim",
        "PNP DIRCTPTIM — Dirección contra la Trata de Personas y Tráfico Ilícito de Migrantes",
        K.POLICE,
        "pnp",
        "",
        "150101",
    ),
    DemoAgency(
        "pj-cusco",
        "Poder Judicial — Juzgado Penal Colegiado de Cusco",
        K.COURT,
        "poder_judicial",
        "cusco",
        "080101",
    ),
    DemoAgency(
        "mimp", "Ministerio de la Mujer y Poblaciones Vulnerables (MIMP)", K.MIMP, "mimp", "", "150101"
    ),
    DemoAgency(
        "oim-peru",
        "Organización Internacional para las Migraciones (OIM Perú)",
        K.INTERNATIONAL,
        "iom",
        "",
        "150101",
    ),
    DemoAgency("tdh-peru", "Terre des Hommes — Perú", K.NGO, "ngo", "", "080101"),
    DemoAgency(
        "linea-0800-2-3232",
        "Línea 0800-2-3232 contra la trata de personas",
        K.HOTLINE,
        "hotline",
        "",
        "150101",
    ),
    DemoAgency(
        "caravana-de-la-vida",
        "Caravana de la Vida — clínica móvil de Madre de Dios",
        K.HEALTH,
        "health_facility",
        "",
        "170101",
    ),
    DemoAgency(
        "mininter-analisis",
        "Ministerio del Interior — Unidad de Análisis y Estadística",
        K.MININTER,
        "central_government_organisation",
        "",
        "150101",
    ),
]

R = Role
USERS = [
    DemoUser("admin", R.SYSTEM_ADMIN, "mininter-analisis", "Ana", "Torres Salazar"),
    DemoUser("admin.cusco", R.AGENCY_ADMIN, "fistrap-cusco", "Jorge", "Cárdenas Huillca"),
    DemoUser("fiscal.cusco", R.PROSECUTOR, "fistrap-cusco", "Rosa", "Quispe Mamani"),
    # a second prosecutor in another fiscalía: she must not see the Cusco cases unless they are shared
    DemoUser("fiscal.lima", R.PROSECUTOR, "fistrap-lima", "Carmen", "Rojas Vargas"),
    DemoUser("policia", R.POLICE, "pnp-dirctptim", "Luis", "Mendoza Castillo"),
    DemoUser("operadora", R.HOTLINE_OPERATOR, "linea-0800-2-3232", "Milagros", "Flores Ramos"),
    DemoUser("supervisora", "hotline_supervisor", "linea-0800-2-3232", "Gladys", "Huanca Choque"),
    DemoUser("salud", R.HEALTH_WORKER, "caravana-de-la-vida", "Edwin", "Condori Apaza"),
    # the rest of the mobile clinic's team, one per profession (sistra.clinic.demo gives each its profession)
    DemoUser("clinica.obstetra", R.HEALTH_WORKER, "caravana-de-la-vida", "Yolanda", "Huillca Mamani"),
    DemoUser("clinica.odontologo", R.HEALTH_WORKER, "caravana-de-la-vida", "Raúl", "Ccori Quispe"),
    DemoUser("clinica.enfermera", R.HEALTH_WORKER, "caravana-de-la-vida", "Maribel", "Apaza Choque"),
    DemoUser("clinica.laboratorio", R.HEALTH_WORKER, "caravana-de-la-vida", "Jhon", "Vilca Ramos"),
    DemoUser("clinica.conductor", R.HEALTH_WORKER, "caravana-de-la-vida", "Percy", "Tito Huamán"),
    DemoUser("clinica.promotor", R.HEALTH_WORKER, "caravana-de-la-vida", "Nélida", "Cusi Flores"),
    DemoUser("gestora", R.CASEWORKER, "mimp", "Lucía", "Chávez Gutiérrez"),
    # a second caseworker agency, so referrals between assistance agencies can be shown (and made)
    DemoUser("gestor.oim", R.CASEWORKER, "oim-peru", "Raúl", "Vilca Mendoza"),
    DemoUser("prevencion", R.PREVENTION_OFFICER, "tdh-peru", "Diana", "García Huamán"),
    DemoUser("analista", R.ANALYST, "mininter-analisis", "Víctor", "Sánchez Díaz"),
    DemoUser("auditor", R.AUDITOR, "mininter-analisis", "Julio", "Pérez Ccama"),
]


def demo_users() -> list[DemoUser]:
    """One user per role: the ones above, plus a generic one for any role added since (so the demo always
    shows every role)."""
    covered = {u.role for u in USERS}
    extra = [
        DemoUser(f"demo.{role}", role, "mininter-analisis", "Usuaria", "De Demostración")
        for role in Role.values
        if role not in covered
    ]
    return [u for u in USERS if u.role in Role.values] + extra


@dataclass
class DemoResult:
    agencies_created: int = 0
    users_created: int = 0
    users: list[User] = field(default_factory=list)
    mfa_users: list[str] = field(default_factory=list)
    # what each registered part loaded (register_demo_loader): key -> records created
    parts: dict[str, int] = field(default_factory=dict)

    @property
    def cases_created(self) -> int:
        return self.parts.get("cases", 0)

    @property
    def shares_created(self) -> int:
        return self.parts.get("case_shares", 0)


# Every part of SISTRA adds its own demo records (criminal cases, hotline contacts, assistance cases…) from its
# AppConfig.ready(), so this base module needs no import of them: register_demo_loader(key, loader), where
# loader(agencies: dict[str, Agency], **options) creates what is missing through the services and returns how
# many records it created (0 on a second run). `options` names what the loader takes of load_demo_data's
# arguments ("cases": how many synthetic criminal cases). Loaders run in registration order, that is in the
# order of INSTALLED_APPS (the cases before the parts that build on them).
@dataclass(frozen=True)
class _Loader:
    run: Callable[..., int]
    options: tuple[str, ...] = ()


_LOADERS: dict[str, _Loader] = {}


def register_demo_loader(key: str, loader: Callable[..., int], *, options: tuple[str, ...] = ()) -> None:
    _LOADERS[key] = _Loader(loader, tuple(options))


def _ensure_agencies(result: DemoResult) -> dict[str, Agency]:
    org_types = {t.code: t for t in Term.objects.filter(vocabulary=Term.Vocabulary.ORGANISATION_TYPE)}
    districts = {d.code: d for d in DistritoFiscal.objects.all()}
    ubigeos = {u.code: u for u in Ubigeo.objects.filter(code__in={a.ubigeo for a in AGENCIES if a.ubigeo})}
    agencies = {}
    for spec in AGENCIES:
        agency, created = Agency.objects.get_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "kind": spec.kind,
                "htcds_organisation_type": org_types.get(spec.organisation_type),
                "distrito_fiscal": districts.get(spec.distrito_fiscal),
                "ubigeo": ubigeos.get(spec.ubigeo),
            },
        )
        result.agencies_created += created
        agencies[spec.code] = agency
    return agencies


def _ensure_users(agencies: dict[str, Agency], result: DemoResult) -> None:
    from sistra.accounts.mfa import ensure_demo_totp, mfa_required

    for spec in demo_users():
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = User(
                username=spec.username,
                role=spec.role,
                agency=agencies[spec.agency],
                first_name=spec.first_name,
                last_name=spec.last_name,
                is_staff=spec.role == Role.SYSTEM_ADMIN,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            result.users_created += 1
        if mfa_required(user):
            # roles that see victims' identities must pass a second factor: a known TOTP secret lets the demo
            # log in without a phone (`sistra totp USERNAME` prints the current code)
            ensure_demo_totp(user)
            result.mfa_users.append(user.username)
        result.users.append(user)


@transaction.atomic
def load_demo_data(*, cases: int = DEMO_CASES) -> DemoResult:
    """Create what is missing of the demo agencies, users and every part's records; never touch what exists."""
    result = DemoResult()
    agencies = _ensure_agencies(result)
    _ensure_users(agencies, result)
    given = {"cases": cases}
    for key, loader in _LOADERS.items():
        result.parts[key] = loader.run(agencies=agencies, **{name: given[name] for name in loader.options})
    return result
