"""The Berkas application: every use case over one event log."""

from __future__ import annotations

from domain.usecases.enforcement import EnforcementUseCases
from domain.usecases.passports import PassportUseCases
from domain.usecases.revenue_targets import RevenueTargetUseCases
from domain.usecases.stay_permits import StayPermitUseCases
from domain.usecases.subjects import SubjectUseCases


class Berkas(PassportUseCases, StayPermitUseCases, EnforcementUseCases, RevenueTargetUseCases, SubjectUseCases):
    """Aplikasi Berkas: passport applications, stay permits, enforcement, TIMPORA, targets,
    data subjects.

    Accounts are used through ``domain.usecases.users``."""

    name = "Berkas"
