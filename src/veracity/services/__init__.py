"""Use cases: every permission check and every transaction lives here."""

from __future__ import annotations

from dataclasses import dataclass

from veracity.services.accounts import AccountService
from veracity.services.annotation_import import AnnotationImportService
from veracity.services.authentication import AuthenticationService, RecentCredentials
from veracity.services.exports import ExportService
from veracity.services.gold import GoldService
from veracity.services.items import ItemService
from veracity.services.jobs import JobService
from veracity.services.projects import ProjectService, RecentProjects
from veracity.services.quality import QualityService
from veracity.services.queue import QueueService
from veracity.services.resolutions import ResolutionService
from veracity.services.resolving import TruthModels
from veracity.services.review import ReviewService
from veracity.services.single_sign_on import SingleSignOnService
from veracity.services.stats import StatsService
from veracity.services.workers import WorkerService
from veracity.settings import Settings
from veracity.storage.db import Database


@dataclass(frozen=True, slots=True)
class Services:
    """Every service, built once per process by :func:`build_services`."""

    db: Database
    accounts: AccountService
    auth: AuthenticationService
    projects: ProjectService
    items: ItemService
    queue: QueueService
    resolutions: ResolutionService
    exports: ExportService
    stats: StatsService
    gold: GoldService
    workers: WorkerService
    annotation_import: AnnotationImportService
    quality: QualityService
    jobs: JobService
    reviews: ReviewService
    sso: SingleSignOnService


def build_services(db: Database, settings: Settings) -> Services:
    """Wire the services over one database."""
    recent = RecentProjects(db)
    truth = TruthModels()
    jobs = JobService(db, truth)
    credentials = RecentCredentials()
    auth = AuthenticationService(db, settings, credentials)
    return Services(
        db=db,
        accounts=AccountService(db, credentials),
        auth=auth,
        projects=ProjectService(db, recent, truth, jobs),
        items=ItemService(db, settings.max_json_depth),
        queue=QueueService(db, recent, truth, jobs),
        resolutions=ResolutionService(db),
        exports=ExportService(db),
        stats=StatsService(db),
        gold=GoldService(db),
        workers=WorkerService(db),
        annotation_import=AnnotationImportService(db, truth, jobs),
        quality=QualityService(db),
        jobs=jobs,
        reviews=ReviewService(db, truth),
        sso=SingleSignOnService(db, settings, auth),
    )
