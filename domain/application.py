"""The Berkas application: every use case over one event log."""

from __future__ import annotations

from domain.usecases.enforcement import EnforcementUseCases
from domain.usecases.passports import PassportUseCases
from domain.usecases.revenue_targets import RevenueTargetUseCases
from domain.usecases.stay_permits import StayPermitUseCases


class Berkas(PassportUseCases, StayPermitUseCases, EnforcementUseCases, RevenueTargetUseCases):
    """Aplikasi Berkas: passport applications, stay permits, enforcement, TIMPORA, targets.

    Accounts are used through ``domain.usecases.users``."""

    name = "Berkas"
