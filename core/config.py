"""The user's config.yaml: a pydantic model, strict about unknown keys.

Every mistake becomes a ConfigError whose message is one line naming the key path.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from tipsheet.core.dates import today_in
from tipsheet.core.errors import ConfigError
from tipsheet.core.records import SOURCE_TYPES, Source

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {value!r}")
    return value


class FeedSource(Strict):
    type: Literal["feed"]
    url: str
    _check = field_validator("url")(classmethod(lambda cls, v: _http_url(v)))


class PressPageSource(Strict):
    type: Literal["press_page"]
    url: str
    _check = field_validator("url")(classmethod(lambda cls, v: _http_url(v)))


class SiteSource(Strict):
    type: Literal["site"]
    url: str
    _check = field_validator("url")(classmethod(lambda cls, v: _http_url(v)))


class GoogleNewsSource(Strict):
    type: Literal["google_news"]
    query: str | None = None  # overrides the query built from the company's names
    language: str = "en-US"
    country: str = "US"


class JobsSource(Strict):
    type: Literal["jobs"]
    ats: Literal["greenhouse", "lever", "ashby", "smartrecruiters", "workable"]
    board: str
    base_url: str | None = None
    _check = field_validator("base_url")(
        classmethod(lambda cls, v: v if v is None else _http_url(v))
    )


class CareersPageSource(Strict):
    type: Literal["careers_page"]
    url: str
    _check = field_validator("url")(classmethod(lambda cls, v: _http_url(v)))


SourceConfig = Annotated[
    FeedSource | PressPageSource | SiteSource | GoogleNewsSource | JobsSource | CareersPageSource,
    Field(discriminator="type"),
]
IndustrySource = Annotated[FeedSource | PressPageSource | SiteSource, Field(discriminator="type")]


class Company(Strict):
    name: str = Field(min_length=1)
    aliases: list[str] = []
    domains: list[str] = []
    ticker: str | None = None
    competitors: list[str] = []
    customers: list[str] = []
    sources: list[SourceConfig] = []
    context: list[str] = []  # words that corroborate an ambiguous name
    exclude: list[str] = []  # phrases that never count as this company
    description: str | None = None  # what the company does: part of a manager's profile

    @field_validator("domains")
    @classmethod
    def _bare_domains(cls, v: list[str]) -> list[str]:
        for d in v:
            if "/" in d or " " in d or "." not in d:
                raise ValueError(f"not a bare domain name: {d!r}")
        return [d.lower() for d in v]

    @property
    def names(self) -> list[str]:
        return [self.name, *self.aliases]


class Manager(Strict):
    id: str
    name: str
    company: str
    role: str
    rejected_on: date
    last_contacted: date | None = None
    interests: list[str] = []
    team: str | None = None
    location: str | None = None
    hired_person: str | None = None
    email: str | None = None

    @field_validator("id")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not SLUG.match(v):
            raise ValueError(f"not a slug (lowercase letters, digits, - and _): {v!r}")
        return v


class Me(Strict):
    name: str
    email: str | None = None


class Cadence(Strict):
    min: int = Field(21, ge=1)
    target: int = Field(30, ge=1)

    @model_validator(mode="after")
    def _order(self) -> Cadence:
        if self.min > self.target:
            raise ValueError(f"min ({self.min}) is above target ({self.target})")
        return self


class Fetch(Strict):
    user_agent: str = "tipsheet/0.1 (+https://github.com/tipsheet/tipsheet)"
    timeout_s: float = Field(20, gt=0)
    connect_timeout_s: float = Field(10, gt=0)
    per_host_concurrency: int = Field(2, ge=1)
    delay_s: float = Field(1.0, ge=0)
    max_bytes: int = Field(5_000_000, ge=1024)
    retry_after_cap_s: float = Field(120, ge=0)
    allow_private_hosts: bool = False
    retries: int = Field(3, ge=0)
    backoff_s: float = Field(1.0, ge=0)
    max_redirects: int = Field(5, ge=0)
    max_articles_per_source: int = Field(50, ge=1)
    max_age_days: int = Field(45, ge=1)  # older feed items are not fetched


class Email(Strict):
    enabled: bool = False
    host: str = "localhost"
    port: int = 25
    username: str | None = None
    password_env: str | None = None  # the name of an environment variable, never the secret
    starttls: bool = False
    sender: str | None = None
    to: str | None = None


class Notify(Strict):
    email: Email = Email()
    apprise_urls: list[str] = []


class Settings(Strict):
    database: Path = Path("data/tipsheet.duckdb")
    digests_dir: Path = Path("digests")
    timezone: str = "UTC"
    cadence_days: Cadence = Cadence()
    fetch: Fetch = Fetch()
    notify: Notify = Notify()
    window_days: int = Field(90, ge=1)
    lookback_days: int = Field(45, ge=1)  # how old an item may be to enter a digest
    # A fixed "today" for every command (the demo's day); None: the date in `timezone`.
    today: date | None = None

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone: {v!r}") from None
        return v

    def current_date(self) -> date:
        """Today, as every command counts it: `today` when set, else the date in `timezone`."""
        return self.today or today_in(self.timezone)


class Config(Strict):
    me: Me
    managers: list[Manager] = Field(min_length=1)
    companies: dict[str, Company] = Field(min_length=1)
    industry_sources: list[IndustrySource] = []
    settings: Settings = Settings()

    @model_validator(mode="after")
    def _references(self) -> Config:
        for key in self.companies:
            if not SLUG.match(key):
                raise _RefError(("companies", key), f"not a slug: {key!r}")
        seen: set[str] = set()
        for i, m in enumerate(self.managers):
            if m.id in seen:
                raise _RefError(("managers", i, "id"), f"duplicate manager id {m.id!r}")
            seen.add(m.id)
            if m.company not in self.companies:
                raise _RefError(("managers", i, "company"), f"no company {m.company!r}")
            # A date to come would count days backwards ("day -296") or be dropped by cadence.
            today = self.settings.current_date()
            for key in ("rejected_on", "last_contacted"):
                day = getattr(m, key)
                if day is not None and day > today:
                    raise _RefError(
                        ("managers", i, key), f"{day.isoformat()} is after today ({today})"
                    )
        for key, c in self.companies.items():
            for rel in ("competitors", "customers"):
                for j, other in enumerate(getattr(c, rel)):
                    if other not in self.companies:
                        raise _RefError(("companies", key, rel, j), f"no company {other!r}")
                    if other == key:
                        raise _RefError(("companies", key, rel, j), "a company cannot be its own")
        return self

    def manager(self, manager_id: str) -> Manager:
        for m in self.managers:
            if m.id == manager_id:
                return m
        raise KeyError(manager_id)

    def relations(self, manager: Manager) -> dict[str, str]:
        """Company id -> relation to this manager: own, competitor or customer."""
        own = self.companies[manager.company]
        rel = {manager.company: "own"}
        for c in own.customers:
            rel.setdefault(c, "customer")
        for c in own.competitors:
            rel.setdefault(c, "competitor")
        return rel

    def sources(self) -> list[Source]:
        out: list[Source] = []
        for key, company in self.companies.items():
            for s in company.sources:
                out.append(_source(key, company, s))
        for s in self.industry_sources:
            out.append(_source(None, None, s))
        return out


class _RefError(ValueError):
    def __init__(self, loc: tuple, msg: str):
        super().__init__(msg)
        self.loc = loc


def _source(company_id: str | None, company: Company | None, s) -> Source:
    options = s.model_dump(exclude={"type", "url"})
    if s.type == "google_news":
        from tipsheet.core.google_news import search_url

        url = search_url(s.query or _google_query(company), s.language, s.country)
    elif s.type == "jobs":
        url = f"{s.ats}:{s.board}"
    else:
        url = s.url
    digest = hashlib.sha1(f"{company_id}|{s.type}|{url}".encode()).hexdigest()[:12]
    return Source(id=digest, company_id=company_id, type=s.type, url=url, options=options)


def _google_query(company: Company) -> str:
    names = list(dict.fromkeys(company.names))
    return " OR ".join(f'"{n}"' for n in names)


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[\w-]+", str(part)):
            out += ("." if out else "") + str(part)
        else:  # a key a person could not read back from the message as it stands
            out += f"[{str(part)!r}]"
    return out or "(top level)"


def _one_line(err: ValidationError) -> str:
    e = err.errors()[0]
    # The discriminated union adds the tag to the location; it names no key of the file.
    loc = tuple(p for p in e["loc"] if p not in _SOURCE_TAGS)
    ctx = e.get("ctx") or {}
    if isinstance(ctx.get("error"), _RefError):
        loc = loc + ctx["error"].loc
        msg = str(ctx["error"])
    elif e["type"] == "extra_forbidden":
        msg = "unknown key"
    elif e["type"] == "missing":
        msg = "required key is missing"
    else:
        msg = e["msg"].removeprefix("Value error, ")
    more = f" (and {len(err.errors()) - 1} more)" if len(err.errors()) > 1 else ""
    return f"{_path(loc)}: {msg}{more}"


_SOURCE_TAGS = frozenset(SOURCE_TYPES)  # pydantic names a union member by its tag


def parse_config(data: object, base_dir: Path | None = None) -> Config:
    """Validate a loaded YAML document; relative paths resolve against base_dir."""
    if not isinstance(data, dict):
        raise ConfigError("(top level): expected a mapping of keys")
    try:
        cfg = Config.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_one_line(err)) from None
    if base_dir is None:
        return cfg
    settings = cfg.settings.model_copy(
        update={
            "database": _resolve(cfg.settings.database, base_dir),
            "digests_dir": _resolve(cfg.settings.digests_dir, base_dir),
        }
    )
    return cfg.model_copy(update={"settings": settings})


def _resolve(p: Path, base: Path) -> Path:
    p = Path(p).expanduser()
    return p if p.is_absolute() else (base / p).resolve()


class _Loader(yaml.SafeLoader):
    """Safe YAML whose dates stay text, so that the model checks them: an impossible date
    (2026-02-30) is then a one-line error naming its key, not a crash of the YAML parser."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_scalar)


def load_config(path: str | Path) -> Config:
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        data = yaml.load(raw, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{path}:{where}: {problem}") from None
    try:
        return parse_config(data, path.resolve().parent)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
